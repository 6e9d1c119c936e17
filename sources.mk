# What both builds compile, and with which flags. The PGXS Makefile includes
# this file and CMakeLists.txt reads it, so each source and each flag is named
# once. Keep to `NAME = value` lines (CMake parses them); a value may hold
# glob patterns.

# The pure C++ core: knows nothing of PostgreSQL (see CORE_ONLY_DEFINE).
CORE_SOURCES = src/core/*.cpp
# The PostgreSQL module around it.
PG_SOURCES = src/pg/*.cpp
# booking-events-listen: the logic the unit tests link, and the libpq program
# around it, plus the two parts of the core it uses (it links neither libcurl
# nor libcrypto).
LISTEN_LOGIC_SOURCES = src/listen/event_line.cpp src/listen/event_tracker.cpp src/listen/newest_id_search.cpp src/listen/options.cpp src/listen/replay_query.cpp src/listen/setup_problem.cpp src/listen/state_file.cpp src/listen/subscription.cpp
LISTEN_PROGRAM_SOURCES = src/listen/console.cpp src/listen/extension_location.cpp src/listen/listener.cpp src/listen/main.cpp src/listen/pg_session.cpp src/listen/stop_signal.cpp
LISTEN_CORE_SOURCES = src/core/notification.cpp src/core/backoff.cpp src/core/utf8.cpp

# Our flags, for every object of both builds.
PROJECT_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register -fno-omit-frame-pointer
# PostgreSQL's code relies on these (they are in `pg_config --cflags`); the
# core gets them too, so that both builds compile every object alike.
PG_REQUIRED_CXXFLAGS = -fno-strict-aliasing -fwrapv
# Defined only when compiling src/core, which is also compiled without the
# server's include path: src/pg/postgres_headers.hpp refuses to compile under
# it, so a PostgreSQL header reached from the core fails the build.
CORE_ONLY_DEFINE = BOOKING_EVENTS_CORE_ONLY
# What the module links besides PostgreSQL: libcurl for HTTP, libcrypto
# (OpenSSL) for SHA-256, HMAC and base64, liblz4 for the payload's
# compression with a kept state (src/pg/payload_storage.cpp). (CMake finds
# the same three with find_package and find_library.)
MODULE_LIBS = -lcurl -lcrypto -llz4
