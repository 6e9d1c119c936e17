# booking_events: PGXS build. `make && make install`, then `make installcheck`
# against a running server. The CMake build produces the same module and the
# unit tests; test/run-all.sh runs everything.

EXTENSION = booking_events
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" booking_events.control)
MODULE_big = booking_events
DATA = $(sort $(wildcard sql/booking_events--*.sql))
PGFILEDESC = "booking_events - booking events to webhooks"

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/[0-9]*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=plpgsql
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register -fno-omit-frame-pointer -Isrc -MMD -MP
# The server headers are system headers to us: their warnings are not ours.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc
SHLIB_LINK = -lcurl -lstdc++

# No LLVM bitcode for JIT inlining: the module's functions are not worth
# inlining into queries, and it would need clang on every build machine.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# prove_installcheck finds our Perl helpers too.
PROVE_FLAGS += -I test/perl --timer

# The TAP suite alone (it starts its own servers; run it as a non-root user).
# `make installcheck` runs pg_regress against the running server, then this.
.PHONY: tapcheck
tapcheck:
	$(prove_installcheck)

.PHONY: version-check
# The C++ code reports the same version as the control file.
version-check:
	@grep -q '"$(EXTVERSION)"' src/core/version.hpp || \
	  { echo "src/core/version.hpp does not say $(EXTVERSION)"; exit 1; }
all: version-check

# --- booking-events-listen: the real-time subscription client ---------------
# A libpq program installed next to psql. PGXS builds either a module or a
# program from OBJS, so the program has its own rules: its sources are
# src/listen/*.cpp, plus the notification format and the backoff schedule
# from src/core. The same warning flags apply (PG_CXXFLAGS).
LISTEN_PROGRAM = booking-events-listen
LISTEN_OWN_OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard src/listen/*.cpp)))
LISTEN_OBJS = $(LISTEN_OWN_OBJS) src/core/notification.o src/core/backoff.o
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
