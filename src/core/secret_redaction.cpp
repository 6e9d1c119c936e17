#include "core/secret_redaction.hpp"

#include "core/sql_tokens.hpp"

namespace booking_events {

namespace {

// Function bodies hold statements that hold strings that hold dynamic SQL:
// deep enough for every real case, bounded against hostile nesting.
constexpr int kMaxDepth = 4;

// `lowered` mentions a secret setting: its full name, or the distinctive part
// after the dot (a name put together from pieces still has that part whole);
// or a function that takes secrets.
bool mentions_secret_name(std::string_view lowered) {
    for (std::string_view name : kSecretSettings) {
        const std::string_view short_name = name.substr(name.rfind('.') + 1);
        if (lowered.find(short_name) != std::string_view::npos) return true;
    }
    for (std::string_view function : kSecretTakingFunctions)
        if (lowered.find(function) != std::string_view::npos) return true;
    return false;
}

bool is_name(const SqlToken &token) {
    return token.kind == SqlTokenKind::word || token.kind == SqlTokenKind::quoted_identifier;
}
bool is_punctuation(const SqlToken *token, char c) {
    return token != nullptr && token->kind == SqlTokenKind::punctuation && token->text[0] == c;
}
bool is_word(const SqlToken *token, std::string_view word) {
    return token != nullptr && token->kind == SqlTokenKind::word && token->text == word;
}

// `name =>` of named notation: a parameter's name, never a value (PostgreSQL
// reserves the operator =>). Kept, so that an error about the argument says
// which one (`max_per_second must be positive`).
bool names_an_argument(const std::pmr::vector<const SqlToken *> &tokens, std::size_t at) {
    const SqlToken *equals = at + 1 < tokens.size() ? tokens[at + 1] : nullptr;
    const SqlToken *greater = at + 2 < tokens.size() ? tokens[at + 2] : nullptr;
    return is_punctuation(equals, '=') && is_punctuation(greater, '>') &&
           greater->begin == equals->end;
}

// The tokens that carry meaning (comments dropped), for looking at neighbours.
std::pmr::vector<const SqlToken *> significant(const SqlTokens &tokens,
                                               std::pmr::memory_resource *memory) {
    std::pmr::vector<const SqlToken *> out(memory);
    for (const SqlToken &token : tokens.tokens)
        if (token.kind != SqlTokenKind::comment) out.push_back(&token);
    return out;
}

// After SET (in a body or dynamic SQL): a written-out name followed by = / TO
// / FROM, or the column list of an UPDATE. Anything else (SET %I, 'SET ' ||
// name) sets a name computed at run time.
bool written_out_name_follows(const std::pmr::vector<const SqlToken *> &tokens, std::size_t at) {
    auto token = [&](std::size_t i) { return i < tokens.size() ? tokens[i] : nullptr; };
    while (is_word(token(at), "local") || is_word(token(at), "session")) ++at;
    if (is_punctuation(token(at), '(')) return true;
    if (token(at) == nullptr || !is_name(*token(at))) return false;
    while (is_punctuation(token(at + 1), '.') && token(at + 2) != nullptr &&
           is_name(*token(at + 2)))
        at += 2;
    const SqlToken *after = token(at + 1);
    return is_punctuation(after, '=') || is_word(after, "to") || is_word(after, "from");
}

bool touches(std::string_view text, bool standard_strings, std::pmr::memory_resource *memory,
             int depth) {
    const SqlTokens tokens = tokenize_sql(text, standard_strings, memory);
    bool names_pg_settings = false;
    bool updates = false;
    for (const SqlToken &token : tokens.tokens) {
        if (token.kind == SqlTokenKind::punctuation || token.kind == SqlTokenKind::number ||
            token.kind == SqlTokenKind::parameter || token.kind == SqlTokenKind::bit_string)
            continue;
        const std::pmr::string lowered = ascii_lower(token.text, memory);
        if (mentions_secret_name(lowered)) return true;
        // Strings may hold SQL; inside a body, so may "..." (the strings of
        // PL/Python or PL/Perl code look like quoted names to SQL).
        const bool may_hold_sql = token.kind == SqlTokenKind::string ||
                                  token.kind == SqlTokenKind::dollar_string ||
                                  (depth > 0 && token.kind == SqlTokenKind::quoted_identifier);
        if (may_hold_sql && depth < kMaxDepth &&
            touches(token.text, standard_strings, memory, depth + 1))
            return true;
        names_pg_settings |= is_name(token) && lowered == "pg_settings";
        updates |= is_word(&token, "update");
    }
    if (names_pg_settings && updates) return true;
    const std::pmr::vector<const SqlToken *> words = significant(tokens, memory);
    auto token = [&](std::size_t i) { return i < words.size() ? words[i] : nullptr; };
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (!is_name(*words[i])) continue;
        if (equals_ignoring_case(words[i]->text, "set_config")) {
            const bool literal_name = is_punctuation(token(i + 1), '(') && token(i + 2) &&
                                      token(i + 2)->kind == SqlTokenKind::string &&
                                      is_punctuation(token(i + 3), ',');
            if (!literal_name) return true;
        }
        if (depth == 0) continue;
        if (is_word(words[i], "set") && !written_out_name_follows(words, i + 1)) return true;
        if (is_word(words[i], "alter") && is_word(token(i + 1), "system")) return true;
    }
    return false;
}

// Whether the name token at `i` is one half of `prefix.name` spelling a secret
// setting, or a quoted identifier that is one whole.
bool is_part_of_secret_name(const std::pmr::vector<const SqlToken *> &tokens, std::size_t i,
                            std::pmr::memory_resource *memory) {
    auto dotted = [&](std::size_t first) {
        if (first + 2 >= tokens.size() || !is_name(*tokens[first]) ||
            !is_punctuation(tokens[first + 1], '.') || !is_name(*tokens[first + 2]))
            return false;
        std::pmr::string name(tokens[first]->text, memory);
        name += '.';
        name += tokens[first + 2]->text;
        return is_secret_setting(name);
    };
    return is_secret_setting(tokens[i]->text) || dotted(i) || (i >= 2 && dotted(i - 2));
}

void remember_removed(RedactedSql &out, std::string_view decoded, std::string_view written) {
    out.removed.emplace_back(decoded);
    if (written != decoded) out.removed.emplace_back(written);
}

// Inside a removed string (a function body): its constants are removed too.
void collect_constants(RedactedSql &out, std::string_view text, bool standard_strings,
                       std::pmr::memory_resource *memory, int depth) {
    const SqlTokens tokens = tokenize_sql(text, standard_strings, memory);
    for (const SqlToken &token : tokens.tokens) {
        if (token.kind == SqlTokenKind::comment || token.kind == SqlTokenKind::word ||
            token.kind == SqlTokenKind::punctuation || token.kind == SqlTokenKind::parameter)
            continue;
        remember_removed(out, token.text, text.substr(token.begin, token.end - token.begin));
        if ((token.kind == SqlTokenKind::string || token.kind == SqlTokenKind::dollar_string) &&
            depth < kMaxDepth)
            collect_constants(out, token.text, standard_strings, memory, depth + 1);
    }
}

}  // namespace

bool is_secret_setting(std::string_view name) {
    for (std::string_view secret : kSecretSettings)
        if (equals_ignoring_case(name, secret)) return true;
    return false;
}

bool sql_touches_secrets(std::string_view text, bool standard_conforming_strings,
                         std::pmr::memory_resource *memory) {
    return touches(text, standard_conforming_strings, memory, 0);
}

RedactedSql redact_sql(std::string_view sql, bool standard_conforming_strings,
                       KeywordTest is_keyword, std::pmr::memory_resource *memory) {
    RedactedSql out{std::pmr::string(memory), std::pmr::vector<std::pmr::string>(memory)};
    const SqlTokens tokens = tokenize_sql(sql, standard_conforming_strings, memory);
    if (!tokens.reliable) {
        out.text = "***";
        out.removed.emplace_back(sql);
        collect_constants(out, sql, standard_conforming_strings, memory, 0);
        return out;
    }
    const std::pmr::vector<const SqlToken *> words = significant(tokens, memory);
    std::size_t copied = 0;
    std::size_t word_index = 0;
    for (const SqlToken &token : tokens.tokens) {
        out.text.append(sql.substr(copied, token.begin - copied));  // the space between
        copied = token.end;
        const std::string_view written = sql.substr(token.begin, token.end - token.begin);
        if (token.kind == SqlTokenKind::comment) {
            out.text += ' ';
            continue;
        }
        const std::size_t i = word_index++;
        const SqlToken *next = i + 1 < words.size() ? words[i + 1] : nullptr;
        bool keep = false;
        switch (token.kind) {
            case SqlTokenKind::word:
                keep = is_keyword(token.text) || is_punctuation(next, '(') ||
                       is_part_of_secret_name(words, i, memory) || names_an_argument(words, i);
                if (!keep) out.text += "***";
                break;
            case SqlTokenKind::quoted_identifier:
                keep = is_punctuation(next, '(') || is_part_of_secret_name(words, i, memory) ||
                       names_an_argument(words, i);
                if (!keep) out.text += "\"***\"";
                break;
            case SqlTokenKind::string:
                keep = is_secret_setting(token.text);
                if (!keep) out.text += "'***'";
                break;
            case SqlTokenKind::bit_string:
                out.text += "'***'";
                break;
            case SqlTokenKind::dollar_string: {
                const std::string_view delimiter = written.substr(0, written.find('$', 1) + 1);
                out.text.append(delimiter).append("***").append(delimiter);
                break;
            }
            case SqlTokenKind::number:
                out.text += "***";
                break;
            default:
                keep = true;
        }
        if (keep) {
            out.text.append(written);
            continue;
        }
        remember_removed(out, token.text, written);
        if (token.kind == SqlTokenKind::string || token.kind == SqlTokenKind::dollar_string)
            collect_constants(out, token.text, standard_conforming_strings, memory, 1);
    }
    out.text.append(sql.substr(copied));
    return out;
}

std::optional<std::pmr::string> redact_setting_value_messages(std::string_view message,
                                                              std::pmr::memory_resource *memory) {
    std::pmr::string text(message, memory);
    bool changed = false;
    for (std::string_view setting : kSecretSettings) {
        std::pmr::string quoted_name(memory);
        quoted_name.append("\"").append(setting).append("\"");
        std::size_t from = 0;
        while ((from = text.find(quoted_name, from)) != std::pmr::string::npos) {
            from += quoted_name.size();
            // The value is the next double-quoted string on the same line
            // (`changed to "v"`, `: "v"`). PostgreSQL does not escape quotes
            // inside it, so it runs to the last quote before the line ends.
            const std::size_t open = text.find('"', from);
            const std::size_t line_end = text.find('\n', from);
            if (open == std::pmr::string::npos ||
                (line_end != std::pmr::string::npos && open > line_end))
                continue;
            const std::size_t limit = line_end == std::pmr::string::npos ? text.size() : line_end;
            const std::size_t close = text.rfind('"', limit - 1);
            if (close == std::pmr::string::npos || close <= open) continue;
            text.replace(open + 1, close - open - 1, "***");
            from = open + 5;
            changed = true;
        }
    }
    if (!changed) return std::nullopt;
    return text;
}

}  // namespace booking_events
