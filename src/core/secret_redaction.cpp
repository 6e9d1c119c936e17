#include "core/secret_redaction.hpp"

namespace booking_events {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Statement text as log_statement prints it: ALTER SYSTEM SET name = 'v',
// SET name TO 'v', set_config('name', 'v', ...). The string literal after
// the name loses its content.
bool redact_assignments(std::string &text) {
    bool changed = false;
    for (const char *setting : kSecretSettings) {
        const std::string name(setting);
        std::size_t from = 0;
        while ((from = text.find(name, from)) != std::string::npos) {
            std::size_t at = from + name.size();
            from = at;
            if (at < text.size() && (text[at] == '"' || text[at] == '\'')) ++at;  // quoted name
            while (at < text.size() && (is_space(text[at]) || text[at] == ',')) ++at;
            if (text.compare(at, 1, "=") == 0)
                ++at;
            else if (text.size() > at + 1 && (text[at] == 'T' || text[at] == 't') &&
                     (text[at + 1] == 'O' || text[at + 1] == 'o'))
                at += 2;
            while (at < text.size() && is_space(text[at])) ++at;
            if (at < text.size() && (text[at] == 'E' || text[at] == 'e')) ++at;  // E'...'
            if (at >= text.size() || text[at] != '\'') continue;
            // The literal ends at a quote that is not doubled.
            std::size_t end = at + 1;
            while (end < text.size()) {
                if (text[end] == '\'' && end + 1 < text.size() && text[end + 1] == '\'')
                    end += 2;
                else if (text[end] == '\'')
                    break;
                else
                    ++end;
            }
            text.replace(at + 1, end - at - 1, "***");
            from = at + 5;
            changed = true;
        }
    }
    return changed;
}

}  // namespace

std::optional<std::string> redact_secret_settings(const std::string &message) {
    std::string text = message;
    bool changed = false;
    for (const char *setting : kSecretSettings) {
        const std::string quoted_name = std::string("\"") + setting + "\"";
        std::size_t from = 0;
        while ((from = text.find(quoted_name, from)) != std::string::npos) {
            from += quoted_name.size();
            // The value is the next double-quoted string on the same line
            // ("changed to "v"", ": "v""). PostgreSQL does not escape quotes
            // inside it, so it runs to the last quote before the line ends.
            const std::size_t open = text.find('"', from);
            const std::size_t line_end = text.find('\n', from);
            if (open == std::string::npos || (line_end != std::string::npos && open > line_end))
                continue;
            const std::size_t limit = line_end == std::string::npos ? text.size() : line_end;
            const std::size_t close = text.rfind('"', limit - 1);
            if (close == std::string::npos || close <= open) continue;
            text.replace(open + 1, close - open - 1, "***");
            from = open + 5;
            changed = true;
        }
    }
    changed |= redact_assignments(text);
    if (!changed) return std::nullopt;
    return text;
}

}  // namespace booking_events
