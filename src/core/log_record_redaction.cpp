#include "core/log_record_redaction.hpp"

#include <deque>

namespace booking_events {

namespace {

constexpr std::string_view kPreparePrefix = "prepare: ";

// Every quoted part of a message line becomes *** unless it is exactly a
// secret setting's name (`column "x" does not exist`, `at or near "x"`).
std::pmr::string redact_quoted_parts(std::string_view text, std::pmr::memory_resource *memory) {
    std::pmr::string out(memory);
    std::size_t at = 0;
    while (at < text.size()) {
        const char quote = text[at];
        if (quote != '\'' && quote != '"') {
            out += text[at++];
            continue;
        }
        std::size_t close = at + 1;
        while (close < text.size()) {
            if (text[close] == quote && close + 1 < text.size() && text[close + 1] == quote)
                close += 2;
            else if (text[close] == quote)
                break;
            else
                ++close;
        }
        if (close >= text.size()) {  // never closed: the rest may be the value
            out.append(1, quote).append("***");
            break;
        }
        const std::string_view inside = text.substr(at + 1, close - at - 1);
        out.append(1, quote).append(is_secret_setting(inside) ? inside : "***").append(1, quote);
        at = close + 1;
    }
    return out;
}

// Everything from the first quote to the last: for lines that quote SQL whose
// own quotes PostgreSQL does not escape (`SQL statement "SET x = "v""`).
std::pmr::string redact_between_quotes(std::string_view text, std::pmr::memory_resource *memory) {
    const std::size_t first = text.find_first_of("'\"");
    if (first == std::string_view::npos) return std::pmr::string(text, memory);
    const std::size_t last = text.find_last_of("'\"");
    std::pmr::string out(text.substr(0, first + 1), memory);
    out += "***";
    if (last > first) out.append(text.substr(last));
    return out;
}

class SensitiveRecordRedactor {
  public:
    SensitiveRecordRedactor(const LogRecord &record, const LogRedactionContext &context,
                            std::pmr::memory_resource *memory)
        : record_(record), context_(context), memory_(memory), rendered_(memory) {
        if (record.statement && !record.statement->empty()) statement_ = &render(*record.statement);
    }

    std::pmr::string field(LogField field, std::string_view text) {
        std::pmr::string out(memory_);
        if (statement_ == nullptr) return prose(field, text);
        const std::string_view statement = *record_.statement;
        std::size_t copied = 0;
        for (std::size_t at = text.find(statement); at != std::string_view::npos;
             at = text.find(statement, copied)) {
            out.append(prose(field, text.substr(copied, at - copied))).append(statement_->text);
            copied = at + statement.size();
        }
        out.append(prose(field, text.substr(copied)));
        return out;
    }

    // What redact_sql took out anywhere, to be hidden by value. Call after the
    // last field(): the views point into this object.
    void add_removed(std::pmr::vector<SecretPiece> &pieces) const {
        for (const RedactedSql &sql : rendered_)
            for (const std::pmr::string &removed : sql.removed)
                pieces.push_back(SecretPiece{removed, false});
    }

  private:
    const LogRecord &record_;
    const LogRedactionContext &context_;
    std::pmr::memory_resource *memory_;
    std::pmr::deque<RedactedSql> rendered_;  // a deque: the views above stay valid
    const RedactedSql *statement_ = nullptr;

    const RedactedSql &render(std::string_view sql) {
        rendered_.push_back(
            redact_sql(sql, context_.standard_conforming_strings, context_.is_keyword, memory_));
        return rendered_.back();
    }

    std::pmr::string prose(LogField field, std::string_view text) {
        switch (field) {
            case LogField::message: {
                std::optional<std::pmr::string> values =
                    redact_setting_value_messages(text, memory_);
                return redact_quoted_parts(values ? std::string_view(*values) : text, memory_);
            }
            case LogField::internal_query:
                return std::pmr::string(render(text).text, memory_);
            case LogField::detail:
            case LogField::detail_log:
                if (text.rfind(kPreparePrefix, 0) == 0) {
                    std::pmr::string out(kPreparePrefix, memory_);
                    out += render(text.substr(kPreparePrefix.size())).text;
                    return out;
                }
                return quoted_sql_or_values(text);
            default:
                return quoted_sql_or_values(text);
        }
    }

    // A line that quotes a statement touching a secret, or the bound
    // parameters of this one, loses what it quotes; other lines (a check
    // hook's reason, say) keep their quotes and are left to the by-value pass.
    std::pmr::string quoted_sql_or_values(std::string_view text) {
        const bool quotes_parameters = text.find("parameters: ") != std::string_view::npos ||
                                       text.find("parameter $") != std::string_view::npos;
        if (quotes_parameters ||
            sql_touches_secrets(text, context_.standard_conforming_strings, memory_))
            return redact_between_quotes(text, memory_);
        return std::pmr::string(text, memory_);
    }
};

}  // namespace

LogRecordRedaction redact_log_record(const LogRecord &record, const LogRedactionContext &context,
                                     std::pmr::memory_resource *memory) {
    LogRecordRedaction out;
    const bool standard_strings = context.standard_conforming_strings;
    bool sensitive =
        record.statement && sql_touches_secrets(*record.statement, standard_strings, memory);
    for (const std::optional<std::string_view> &field : record.fields)
        sensitive = sensitive || (field && sql_touches_secrets(*field, standard_strings, memory));

    std::pmr::vector<SecretPiece> pieces(memory);
    if (context.known_secrets != nullptr) pieces = *context.known_secrets;
    auto current = [&](std::size_t i) -> std::string_view {
        return out.fields[i] ? std::string_view(*out.fields[i]) : *record.fields[i];
    };

    std::optional<SensitiveRecordRedactor> redactor;
    if (sensitive) {
        out.hide_statement = true;
        redactor.emplace(record, context, memory);
        for (std::size_t i = 0; i < kLogFieldCount; ++i)
            if (record.fields[i])
                out.fields[i] = redactor->field(static_cast<LogField>(i), current(i));
        redactor->add_removed(pieces);
    }
    for (std::size_t i = 0; i < kLogFieldCount; ++i) {
        if (!record.fields[i]) continue;
        std::optional<std::pmr::string> hidden = hide_secret_values(current(i), pieces, memory);
        if (hidden) out.fields[i] = std::move(*hidden);
    }
    if (record.statement && context.known_secrets != nullptr &&
        contains_secret_value(*record.statement, *context.known_secrets, memory))
        out.hide_statement = true;
    for (std::size_t i = 0; i < kLogFieldCount; ++i)
        if (out.fields[i] && record.fields[i] && *out.fields[i] == *record.fields[i])
            out.fields[i].reset();
    return out;
}

}  // namespace booking_events
