// Where booking_events lives in the database the listener connects to, read
// from the catalogs rather than reached through the connection's
// search_path, and whether this role may call the replay there.
#pragma once

#include <optional>
#include <string>

#include "listen/pg_session.hpp"

namespace booking_events::listen {

struct ExtensionLocation {
    std::string extension_oid;  // another one after DROP and CREATE EXTENSION
    std::string schema;         // quoted as an identifier, ready for SQL text
    std::string role;           // quoted likewise
};

// Throws SetupProblem naming what is missing (the extension, USAGE on its
// schema, EXECUTE on booking_events_replay()); SessionError on a lost
// connection.
ExtensionLocation locate_extension(PgSession &session);

// The extension's oid now; nullopt while it is not installed.
std::optional<std::string> current_extension_oid(PgSession &session);

}  // namespace booking_events::listen
