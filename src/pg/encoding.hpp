// The module works in UTF-8 (JSON, HTTP); the database may use another
// encoding. Every conversion between the two goes through these. PostgreSQL
// side: they may ereport on a character the target encoding cannot hold.
#pragma once

#include <cstddef>

#include "pg/postgres_headers.hpp"

namespace booking_events {

// `text` (database encoding) in UTF-8; `text` itself when no conversion is
// needed. nullptr stays nullptr.
char *server_to_utf8(char *text);

// `utf8` of `length` bytes in the database encoding; `utf8` itself when no
// conversion is needed.
const char *utf8_to_server(const char *utf8, std::size_t length);

// Whether utf8_to_server() would accept every character of `utf8` (never
// raises an ERROR for one it would not).
bool utf8_fits_server(const char *utf8, std::size_t length);

// SQL_ASCII declares no encoding: its bytes are carried as they are, in
// both directions, whether or not they are valid UTF-8.
bool server_bytes_are_raw();

}  // namespace booking_events
