#include "pg/encoding.hpp"

namespace booking_events {

char *server_to_utf8(char *text) {
    // SQL_ASCII has no declared encoding: its bytes are passed on as they are.
    if (text == nullptr || GetDatabaseEncoding() == PG_UTF8 ||
        GetDatabaseEncoding() == PG_SQL_ASCII)
        return text;
    return pg_server_to_any(text, static_cast<int>(strlen(text)), PG_UTF8);
}

const char *utf8_to_server(const char *utf8, std::size_t length) {
    if (GetDatabaseEncoding() == PG_UTF8) return utf8;
    return pg_any_to_server(utf8, static_cast<int>(length), PG_UTF8);
}

}  // namespace booking_events
