// A lenient SQL tokenizer for log redaction. It follows PostgreSQL's lexical
// rules closely enough to find every constant and every name in a statement
// and to decode what the quoting hides (E'' and U&'' escapes, U&"" and
// UESCAPE, dollar quotes, strings continued on the next line), but it never
// fails: a statement the server could not parse still has to be redacted.
// It runs inside the server's log hook, so every allocation goes through the
// memory resource it is given.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

enum class SqlTokenKind {
    word,               // keyword or unquoted identifier; text is lower-cased
    quoted_identifier,  // "..." or U&"..."; text is the decoded name
    string,             // '...', E'...', U&'...', N'...'; text is the decoded value
    bit_string,         // B'...' or X'...'; text is the digits
    dollar_string,      // $tag$...$tag$; text is the body
    number,
    parameter,    // $1
    punctuation,  // any other character (operators, parentheses, dots...)
    comment,      // -- or /* */; text is the comment as written
};

struct SqlToken {
    SqlTokenKind kind;
    std::size_t begin;  // bytes of the tokenized text, quotes, prefixes and
    std::size_t end;    // a UESCAPE clause included
    std::pmr::string text;
};

struct SqlTokens {
    std::pmr::vector<SqlToken> tokens;
    // False when the reading may differ from the server's: an unterminated
    // quote or comment, an invalid escape, or a backslash in a plain string
    // (its meaning depends on standard_conforming_strings, which a statement
    // can change half-way).
    bool reliable = true;
};

SqlTokens tokenize_sql(std::string_view text, bool standard_conforming_strings,
                       std::pmr::memory_resource *memory);

// ASCII lower case, as PostgreSQL folds unquoted names and compares setting
// names.
std::pmr::string ascii_lower(std::string_view text, std::pmr::memory_resource *memory);
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace booking_events
