#include "pg/encoding.hpp"

namespace booking_events {

bool server_bytes_are_raw() { return GetDatabaseEncoding() == PG_SQL_ASCII; }

char *server_to_utf8(char *text) {
    if (text == nullptr || GetDatabaseEncoding() == PG_UTF8 || server_bytes_are_raw()) return text;
    return pg_server_to_any(text, static_cast<int>(strlen(text)), PG_UTF8);
}

const char *utf8_to_server(const char *utf8, std::size_t length) {
    // (PostgreSQL would validate the text as UTF-8 for SQL_ASCII, and refuse
    // the bytes server_to_utf8() passed on.)
    if (GetDatabaseEncoding() == PG_UTF8 || server_bytes_are_raw()) return utf8;
    return pg_any_to_server(utf8, static_cast<int>(length), PG_UTF8);
}

bool utf8_fits_server(const char *utf8, std::size_t length) {
    const int encoding = GetDatabaseEncoding();
    if (encoding == PG_UTF8 || server_bytes_are_raw() || length == 0) return true;
    const Oid conversion = FindDefaultConversionProc(PG_UTF8, encoding);
    if (!OidIsValid(conversion)) return false;
    const int source_length = static_cast<int>(length);
    auto *target = static_cast<unsigned char *>(
        palloc(static_cast<Size>(source_length) * MAX_CONVERSION_GROWTH + 1));
    // With noError the conversion stops at the first character it cannot
    // convert and says how far it got.
    const int converted = pg_do_encoding_conversion_buf(
        conversion, PG_UTF8, encoding, reinterpret_cast<unsigned char *>(const_cast<char *>(utf8)),
        source_length, target, source_length * MAX_CONVERSION_GROWTH + 1, true);
    pfree(target);
    return converted == source_length;
}

}  // namespace booking_events
