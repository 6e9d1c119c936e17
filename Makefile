# booking_events: PGXS build. `make && make install`, then `make installcheck`
# against a running server. The CMake build produces the same module and the
# unit tests; test/run-all.sh runs everything.

include sources.mk

EXTENSION = booking_events
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" booking_events.control)
MODULE_big = booking_events
# Update scripts with a directory in sql/updates/ are built from its
# fragments (see that directory's README); the others are plain files.
UPDATE_STEPS = $(patsubst sql/updates/%/,%,$(sort $(wildcard sql/updates/*--*/)))
BUILT_UPDATE_SCRIPTS = $(patsubst %,sql/booking_events--%.sql,$(UPDATE_STEPS))
DATA_built = $(BUILT_UPDATE_SCRIPTS)
DATA = $(filter-out $(BUILT_UPDATE_SCRIPTS),$(sort $(wildcard sql/booking_events--*.sql)))
PGFILEDESC = "booking_events - booking events to webhooks"

CORE_OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard $(CORE_SOURCES))))
PG_OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard $(PG_SOURCES))))
OBJS = $(CORE_OBJS) $(PG_OBJS)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/[0-9]*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=plpgsql
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_CXXFLAGS = $(PROJECT_CXXFLAGS) $(PG_REQUIRED_CXXFLAGS) -Isrc -MMD -MP
# The server headers are system headers to us: their warnings are not ours.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc
SHLIB_LINK = $(MODULE_LIBS) -lstdc++

# The core is compiled without the server's include path (PGXS puts it in
# CPPFLAGS) and with the define that makes src/pg/postgres_headers.hpp an
# error: src/core cannot include PostgreSQL.
$(CORE_OBJS): override CPPFLAGS := -Isrc -D$(CORE_ONLY_DEFINE)

# No LLVM bitcode for JIT inlining: the module's functions are not worth
# inlining into queries, and it would need clang on every build machine.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# One rule per update step: the script is rebuilt when a fragment or the
# recorded checksums change, and the build fails when a released script would
# not come out byte for byte as recorded.
RELEASED_CHECKSUMS = sql/updates/released.sha256
define update_script_rule
sql/booking_events--$(1).sql: $$(sort $$(wildcard sql/updates/$(1)/*.sql)) $$(RELEASED_CHECKSUMS) sql/updates/build-update-script.sh
	sql/updates/build-update-script.sh sql/updates/$(1) $$@ $$(RELEASED_CHECKSUMS)
endef
$(foreach step,$(UPDATE_STEPS),$(eval $(call update_script_rule,$(step))))

# prove_installcheck finds our Perl helpers too. TAP_JOBS=N runs N test
# scripts at once: each starts its own cluster (PostgreSQL::Test::Cluster
# reserves its port) and its own receiver (on a port the kernel picks), in
# a temporary directory of its own.
TAP_JOBS ?= 1
PROVE_FLAGS += -I test/perl --timer -j $(TAP_JOBS)

# The TAP suite alone (it starts its own servers; run it as a non-root user).
# `make installcheck` runs pg_regress against the running server, then this.
.PHONY: tapcheck
tapcheck:
	$(prove_installcheck)

.PHONY: version-check
# The C++ code and META.json (its own version and the extension's) report
# the control file's version.
version-check:
	@grep -q '"$(EXTVERSION)"' src/core/version.hpp || \
	  { echo "src/core/version.hpp does not say $(EXTVERSION)"; exit 1; }
	@[ "$$(grep -c '"version": "$(EXTVERSION)"' META.json)" -eq 2 ] || \
	  { echo "META.json does not say version $(EXTVERSION) for the distribution and the extension"; exit 1; }
all: version-check

# --- booking-events-listen: the real-time subscription client ---------------
# A libpq program installed next to psql. PGXS builds either a module or a
# program from OBJS, so the program has its own rules (sources in
# sources.mk). The same flags apply (PG_CXXFLAGS).
LISTEN_PROGRAM = booking-events-listen
LISTEN_OWN_OBJS = $(patsubst %.cpp,%.o,$(LISTEN_LOGIC_SOURCES) $(LISTEN_PROGRAM_SOURCES))
LISTEN_OBJS = $(LISTEN_OWN_OBJS) $(patsubst %.cpp,%.o,$(LISTEN_CORE_SOURCES))
LISTEN_LIBPQ_INCLUDEDIR := $(shell $(PG_CONFIG) --includedir)
LISTEN_LIBPQ_LIBDIR := $(shell $(PG_CONFIG) --libdir)

$(LISTEN_OWN_OBJS): override CPPFLAGS += -I$(LISTEN_LIBPQ_INCLUDEDIR)

$(LISTEN_PROGRAM): $(LISTEN_OBJS)
	$(CXX) $(CXXFLAGS) $(LISTEN_OBJS) $(LDFLAGS) -L$(LISTEN_LIBPQ_LIBDIR) -lpq -o $@

all: $(LISTEN_PROGRAM)

.PHONY: install-listen uninstall-listen clean-listen
install: install-listen
install-listen: $(LISTEN_PROGRAM)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(LISTEN_PROGRAM) '$(DESTDIR)$(bindir)/$(LISTEN_PROGRAM)'
	@echo "$(LISTEN_PROGRAM) installed as $(DESTDIR)$(bindir)/$(LISTEN_PROGRAM)" \
	  "(PostgreSQL's bindir, often not on PATH: call it by that path or link it)"

uninstall: uninstall-listen
uninstall-listen:
	rm -f '$(DESTDIR)$(bindir)/$(LISTEN_PROGRAM)'

clean: clean-listen
clean-listen:
	rm -f $(LISTEN_PROGRAM) $(LISTEN_OWN_OBJS)

# Objects are rebuilt when a header they include changes (-MMD writes the
# dependencies next to each object).
-include $(patsubst %.o,%.d,$(OBJS) $(LISTEN_OWN_OBJS))
EXTRA_CLEAN = $(patsubst %.o,%.d,$(OBJS) $(LISTEN_OWN_OBJS))

# --- the build's guards, checked ----------------------------------------------
# A PostgreSQL header reached from src/core, and an SQL-callable function
# declared without the boundary, must both fail to compile; the same probes
# written the allowed way must compile (so a failure is the guard's, not a
# broken include path). test/run-all.sh runs this.
GUARD_PROBE = $(CXX) $(PROJECT_CXXFLAGS) -fsyntax-only -x c++ -
GUARD_PG_INCLUDES = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc
.PHONY: guard-check
guard-check:
	@printf '#include "core/text.hpp"\n' | $(GUARD_PROBE) -Isrc -D$(CORE_ONLY_DEFINE)
	@! printf '#include "pg/postgres_headers.hpp"\n' | \
	  $(GUARD_PROBE) $(GUARD_PG_INCLUDES) -D$(CORE_ONLY_DEFINE) 2>/dev/null || \
	  { echo "src/core can include PostgreSQL headers"; exit 1; }
	@printf '#include "pg/boundary.hpp"\nnamespace { Datum body(FunctionCallInfo) { return (Datum)0; } }\nBOOKING_EVENTS_SQL_FUNCTION(probe, body)\n' | \
	  $(GUARD_PROBE) $(GUARD_PG_INCLUDES)
	@! printf '#include "pg/boundary.hpp"\nextern "C" {\nPG_FUNCTION_INFO_V1(probe);\n}\n' | \
	  $(GUARD_PROBE) $(GUARD_PG_INCLUDES) 2>/dev/null || \
	  { echo "an SQL-callable function can be declared without sql_boundary"; exit 1; }
	@echo "guards hold: src/core cannot include PostgreSQL; every SQL-callable function goes through sql_boundary"
