#include "core/sql_tokens.hpp"

#include <cstdint>

namespace booking_events {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '$'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    return lower(c) - 'a' + 10;
}

void append_utf8(std::pmr::string &out, std::uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xc0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xe0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | ((code >> 18) & 0x07));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    }
}

class Lexer {
  public:
    Lexer(std::string_view text, bool standard_conforming_strings,
          std::pmr::memory_resource *memory)
        : s_(text), standard_strings_(standard_conforming_strings), memory_(memory) {
        result_.tokens = std::pmr::vector<SqlToken>(memory);
    }

    SqlTokens run() {
        while (at_ < s_.size()) next_token();
        return std::move(result_);
    }

  private:
    std::string_view s_;
    std::size_t at_ = 0;
    bool standard_strings_;
    std::pmr::memory_resource *memory_;
    SqlTokens result_;

    char peek(std::size_t ahead = 0) const {
        return at_ + ahead < s_.size() ? s_[at_ + ahead] : '\0';
    }

    SqlToken &emit(SqlTokenKind kind, std::size_t begin) {
        result_.tokens.push_back(SqlToken{kind, begin, at_, std::pmr::string(memory_)});
        return result_.tokens.back();
    }

    void next_token() {
        const std::size_t begin = at_;
        const char c = peek();
        if (is_space(c)) {
            ++at_;
        } else if (c == '-' && peek(1) == '-') {
            while (at_ < s_.size() && s_[at_] != '\n') ++at_;
            emit(SqlTokenKind::comment, begin).text.assign(s_.substr(begin, at_ - begin));
        } else if (c == '/' && peek(1) == '*') {
            block_comment(begin);
        } else if (c == '\'') {
            quoted_string(begin, SqlTokenKind::string, begin + 1, standard_strings_ ? 0 : '\\');
        } else if ((c == 'e' || c == 'E') && peek(1) == '\'') {
            quoted_string(begin, SqlTokenKind::string, begin + 2, '\\');
        } else if ((c == 'n' || c == 'N') && peek(1) == '\'') {
            quoted_string(begin, SqlTokenKind::string, begin + 2, standard_strings_ ? 0 : '\\');
        } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && peek(1) == '\'') {
            quoted_string(begin, SqlTokenKind::bit_string, begin + 2, 0);
        } else if ((c == 'u' || c == 'U') && peek(1) == '&' &&
                   (peek(2) == '\'' || peek(2) == '"')) {
            unicode_quoted(begin);
        } else if (c == '"') {
            quoted_identifier(begin, begin + 1);
        } else if (c == '$') {
            dollar(begin);
        } else if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
            number(begin);
        } else if (is_name_start(c)) {
            while (at_ < s_.size() && is_name_char(s_[at_])) ++at_;
            emit(SqlTokenKind::word, begin).text =
                ascii_lower(s_.substr(begin, at_ - begin), memory_);
        } else {
            ++at_;
            emit(SqlTokenKind::punctuation, begin).text.assign(1, c);
        }
    }

    void block_comment(std::size_t begin) {
        int depth = 0;
        while (at_ < s_.size()) {
            if (peek() == '/' && peek(1) == '*') {
                ++depth;
                at_ += 2;
            } else if (peek() == '*' && peek(1) == '/') {
                at_ += 2;
                if (--depth == 0) break;
            } else {
                ++at_;
            }
        }
        if (depth != 0) result_.reliable = false;
        emit(SqlTokenKind::comment, begin).text.assign(s_.substr(begin, at_ - begin));
    }

    // After the closing quote of a string: whitespace holding a newline, then
    // a quote, continues the same string ('abc'\n'def' is 'abcdef').
    bool continues_on_next_line() {
        std::size_t pos = at_;
        bool newline = false;
        while (pos < s_.size()) {
            if (s_[pos] == '\n') {
                newline = true;
                ++pos;
            } else if (is_space(s_[pos])) {
                ++pos;
            } else if (s_[pos] == '-' && pos + 1 < s_.size() && s_[pos + 1] == '-') {
                while (pos < s_.size() && s_[pos] != '\n') ++pos;
            } else {
                break;
            }
        }
        if (!newline || pos >= s_.size() || s_[pos] != '\'') return false;
        at_ = pos + 1;
        return true;
    }

    // Reads up to the closing quote; `escape` is the backslash when it
    // escapes (E'' strings, or plain ones without standard_conforming_strings).
    void read_quoted(std::pmr::string &out, char escape) {
        for (;;) {
            if (at_ >= s_.size()) {
                result_.reliable = false;
                return;
            }
            const char c = s_[at_];
            if (c == '\'') {
                if (peek(1) == '\'') {
                    out += '\'';
                    at_ += 2;
                    continue;
                }
                ++at_;
                if (!continues_on_next_line()) return;
            } else if (c == '\\' && escape == '\\') {
                backslash_escape(out);
            } else {
                if (c == '\\') result_.reliable = false;  // plain string: depends on the setting
                out += c;
                ++at_;
            }
        }
    }

    void backslash_escape(std::pmr::string &out) {
        ++at_;  // the backslash
        if (at_ >= s_.size()) return;
        const char c = s_[at_++];
        switch (c) {
            case 'b':
                out += '\b';
                return;
            case 'f':
                out += '\f';
                return;
            case 'n':
                out += '\n';
                return;
            case 'r':
                out += '\r';
                return;
            case 't':
                out += '\t';
                return;
            default:
                break;
        }
        if (c >= '0' && c <= '7') {
            int value = c - '0';
            for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i)
                value = value * 8 + (s_[at_++] - '0');
            out += static_cast<char>(value);
        } else if (c == 'x' && is_hex_digit(peek())) {
            int value = 0;
            for (int i = 0; i < 2 && is_hex_digit(peek()); ++i)
                value = value * 16 + hex_value(s_[at_++]);
            out += static_cast<char>(value);
        } else if (c == 'u' || c == 'U') {
            const int digits = c == 'u' ? 4 : 8;
            std::uint32_t code = 0;
            for (int i = 0; i < digits; ++i) {
                if (!is_hex_digit(peek())) {
                    result_.reliable = false;
                    return;
                }
                code = code * 16 + static_cast<std::uint32_t>(hex_value(s_[at_++]));
            }
            append_utf8(out, code);
        } else {
            out += c;
        }
    }

    void quoted_string(std::size_t begin, SqlTokenKind kind, std::size_t body, char escape) {
        at_ = body;
        std::pmr::string text(memory_);
        read_quoted(text, escape);
        emit(kind, begin).text = std::move(text);
    }

    void quoted_identifier(std::size_t begin, std::size_t body) {
        at_ = body;
        std::pmr::string text(memory_);
        for (;;) {
            if (at_ >= s_.size()) {
                result_.reliable = false;
                break;
            }
            if (s_[at_] == '"') {
                if (peek(1) != '"') {
                    ++at_;
                    break;
                }
                ++at_;
            }
            text += s_[at_++];
        }
        emit(SqlTokenKind::quoted_identifier, begin).text = std::move(text);
    }

    // U&'...' and U&"...": read as usual, then an optional UESCAPE 'c', then
    // the Unicode escapes are decoded.
    void unicode_quoted(std::size_t begin) {
        const bool identifier = peek(2) == '"';
        if (identifier)
            quoted_identifier(begin, begin + 3);
        else
            quoted_string(begin, SqlTokenKind::string, begin + 3, 0);
        SqlToken &token = result_.tokens.back();
        const char escape = uescape_clause();
        token.end = at_;
        token.text = decode_unicode_escapes(token.text, escape);
    }

    char uescape_clause() {
        std::size_t pos = at_;
        auto skip = [&] {
            while (pos < s_.size() && is_space(s_[pos])) ++pos;
        };
        skip();
        static constexpr std::string_view kKeyword = "uescape";
        if (pos + kKeyword.size() > s_.size()) return '\\';
        for (std::size_t i = 0; i < kKeyword.size(); ++i)
            if (lower(s_[pos + i]) != kKeyword[i]) return '\\';
        pos += kKeyword.size();
        skip();
        if (pos + 2 < s_.size() && s_[pos] == '\'' && s_[pos + 2] == '\'') {
            at_ = pos + 3;
            return s_[pos + 1];
        }
        return '\\';
    }

    std::pmr::string decode_unicode_escapes(const std::pmr::string &raw, char escape) {
        std::pmr::string out(memory_);
        for (std::size_t i = 0; i < raw.size();) {
            if (raw[i] != escape) {
                out += raw[i++];
            } else if (i + 1 < raw.size() && raw[i + 1] == escape) {
                out += escape;
                i += 2;
            } else {
                const bool six = i + 1 < raw.size() && raw[i + 1] == '+';
                const std::size_t first = i + (six ? 2 : 1);
                const std::size_t digits = six ? 6 : 4;
                std::uint32_t code = 0;
                bool valid = first + digits <= raw.size();
                for (std::size_t d = 0; valid && d < digits; ++d) {
                    valid = is_hex_digit(raw[first + d]);
                    if (valid)
                        code = code * 16 + static_cast<std::uint32_t>(hex_value(raw[first + d]));
                }
                if (!valid) {
                    result_.reliable = false;
                    out += raw[i++];
                    continue;
                }
                append_utf8(out, code);
                i = first + digits;
            }
        }
        return out;
    }

    void dollar(std::size_t begin) {
        if (is_digit(peek(1))) {
            ++at_;
            while (at_ < s_.size() && is_digit(s_[at_])) ++at_;
            emit(SqlTokenKind::parameter, begin).text.assign(s_.substr(begin, at_ - begin));
            return;
        }
        std::size_t pos = at_ + 1;
        if (pos < s_.size() && is_name_start(s_[pos]))
            while (pos < s_.size() && is_name_char(s_[pos]) && s_[pos] != '$') ++pos;
        if (pos >= s_.size() || s_[pos] != '$') {
            ++at_;
            emit(SqlTokenKind::punctuation, begin).text.assign(1, '$');
            return;
        }
        const std::string_view delimiter = s_.substr(begin, pos + 1 - begin);
        const std::size_t body = pos + 1;
        std::size_t close = s_.find(delimiter, body);
        if (close == std::string_view::npos) {
            result_.reliable = false;
            close = s_.size();
            at_ = s_.size();
        } else {
            at_ = close + delimiter.size();
        }
        emit(SqlTokenKind::dollar_string, begin).text.assign(s_.substr(body, close - body));
    }

    void number(std::size_t begin) {
        while (at_ < s_.size()) {
            const char c = s_[at_];
            if (is_name_char(c) || c == '.') {
                ++at_;
            } else if ((c == '+' || c == '-') && (lower(s_[at_ - 1]) == 'e')) {
                ++at_;
            } else {
                break;
            }
        }
        emit(SqlTokenKind::number, begin).text.assign(s_.substr(begin, at_ - begin));
    }
};

}  // namespace

std::pmr::string ascii_lower(std::string_view text, std::pmr::memory_resource *memory) {
    std::pmr::string out(text, memory);
    for (char &c : out) c = lower(c);
    return out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

SqlTokens tokenize_sql(std::string_view text, bool standard_conforming_strings,
                       std::pmr::memory_resource *memory) {
    return Lexer(text, standard_conforming_strings, memory).run();
}

}  // namespace booking_events
