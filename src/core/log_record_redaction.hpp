// One log message, redacted before the server writes it: by syntax when the
// running statement or any line of the message touches a secret setting
// (secret_redaction.hpp), then by value (secret_values.hpp). Pure: the
// PostgreSQL side (pg/log_redaction.cpp) fills a LogRecord from an ErrorData
// and writes the result back.
#pragma once

#include <array>
#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_redaction.hpp"
#include "core/secret_values.hpp"

namespace booking_events {

// The text fields of a log message the server prints.
enum class LogField : std::size_t { message, detail, detail_log, hint, context, internal_query };
inline constexpr std::size_t kLogFieldCount = 6;

struct LogRecord {
    std::array<std::optional<std::string_view>, kLogFieldCount> fields;
    // The statement being run, printed after the message as STATEMENT (and
    // quoted inside "statement: ...", "duration: ...", "execute ..." lines).
    std::optional<std::string_view> statement;
};

struct LogRedactionContext {
    bool standard_conforming_strings = true;
    KeywordTest is_keyword = nullptr;
    const std::pmr::vector<SecretPiece> *known_secrets = nullptr;
};

struct LogRecordRedaction {
    std::array<std::optional<std::pmr::string>, kLogFieldCount> fields;  // nullopt: unchanged
    bool hide_statement = false;
};

// When the statement or any field touches a secret setting (see
// sql_touches_secrets), the message is "sensitive":
//  - the statement, wherever a field quotes it, is replaced by redact_sql's
//    version, and the STATEMENT line is left out (it cannot be rewritten);
//  - message: PostgreSQL's setting-value messages lose the value, then every
//    quoted part but a secret setting's name becomes ***;
//  - internal query and "prepare: <sql>" details: redact_sql;
//  - other detail, hint and context lines that touch a secret setting or
//    show bound parameters: everything from the first quote to the last
//    (they quote statements whose own quotes are not escaped);
//  - whatever redact_sql took out is hidden in every field.
// Then, always, known secret values are hidden in every field, and a
// statement that contains one is left out.
LogRecordRedaction redact_log_record(const LogRecord &record, const LogRedactionContext &context,
                                     std::pmr::memory_resource *memory);

}  // namespace booking_events
