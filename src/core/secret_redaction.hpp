// Keeps secret settings out of the server log, by syntax: a statement that
// names a secret setting (however it is quoted, escaped or commented), or
// that can set a setting whose name is computed, loses every constant and
// every bare word that could be a value before it is logged. The values
// themselves are handled in secret_values.hpp; log_record_redaction.hpp puts
// both together for one log message.
//
// Everything here runs inside the server's log hook: it allocates only
// through the memory resource it is given and reports failure by exception.
#pragma once

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

// The settings whose values never appear in a log line: the one list. The
// part after the dot must be distinctive enough that any mention of it in a
// statement is worth a redaction ("api_key" is; "url" would not be).
inline constexpr std::string_view kSecretSettings[] = {
    "booking_events.api_key", "booking_events.signing_secret", "booking_events.webhook_url"};

// Functions that take secrets as arguments (an endpoint's URL, API key and
// signing secret): a statement that calls one is treated like one that names
// a secret setting.
inline constexpr std::string_view kSecretTakingFunctions[] = {"webhook_endpoint_set"};

// Whether `name` is a secret setting (ASCII case-insensitive, as PostgreSQL
// compares setting names).
bool is_secret_setting(std::string_view name);

// Whether SQL text names a secret setting in any identifier, string constant
// or comment, or may set a setting whose name is not written out: set_config()
// with a first argument that is not a string constant, UPDATE pg_settings, and,
// inside function bodies and dynamic SQL, SET or ALTER SYSTEM followed by
// anything but a complete name. String constants are searched recursively
// (function bodies hold statements that hold strings). Lenient: any text
// works, prose included.
bool sql_touches_secrets(std::string_view text, bool standard_conforming_strings,
                         std::pmr::memory_resource *memory);

// Whether an unquoted, lower-cased word is an SQL keyword.
using KeywordTest = bool (*)(std::string_view word);

struct RedactedSql {
    std::pmr::string text;
    // Everything that was taken out (decoded and as written, recursively
    // through function bodies), to be taken out of the other lines of the
    // same log message too (an error that quotes a bad token, a NOTICE).
    std::pmr::vector<std::pmr::string> removed;
};

// `sql` with every constant replaced by *** ('***', $$***$$) and every word
// that is not a keyword, a function name or a secret setting's name replaced
// by ***; comments become a space. Constants that are exactly a secret
// setting's name stay. When the text cannot be read reliably (see
// SqlTokens::reliable) the whole text is "***".
RedactedSql redact_sql(std::string_view sql, bool standard_conforming_strings,
                       KeywordTest is_keyword, std::pmr::memory_resource *memory);

// PostgreSQL's own messages that print a setting's value: `parameter "x"
// changed to "v"` and `invalid value for parameter "x": "v"`. For a secret
// setting the value (to the last quote of the line, as PostgreSQL does not
// escape quotes inside it) becomes ***. nullopt when nothing changed.
std::optional<std::pmr::string> redact_setting_value_messages(std::string_view message,
                                                              std::pmr::memory_resource *memory);

}  // namespace booking_events
