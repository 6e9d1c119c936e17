#include "core/secret_values.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/sql_tokens.hpp"

namespace booking_events {

namespace {

using Range = std::pair<std::size_t, std::size_t>;

void add_piece(std::pmr::vector<SecretPiece> &pieces, std::string_view text) {
    // A part of a value is searched for only when it is long enough to be a
    // credential of its own (a URL path of "/hook" is not).
    if (text.size() >= kSecretRunLength) pieces.push_back(SecretPiece{text, true});
}

std::uint64_t window_at(std::string_view text, std::size_t at) {
    std::uint64_t window = 0;
    std::memcpy(&window, text.data() + at, sizeof window);
    return window;
}

void find_runs(std::string_view text, std::string_view piece, std::pmr::vector<Range> &ranges,
               std::pmr::memory_resource *memory) {
    static_assert(kSecretRunLength == sizeof(std::uint64_t), "a run is one 64-bit window");
    if (piece.size() < kSecretRunLength || text.size() < kSecretRunLength) return;
    std::pmr::vector<std::uint64_t> windows(memory);
    windows.reserve(piece.size() - kSecretRunLength + 1);
    for (std::size_t i = 0; i + kSecretRunLength <= piece.size(); ++i)
        windows.push_back(window_at(piece, i));
    std::sort(windows.begin(), windows.end());
    for (std::size_t i = 0; i + kSecretRunLength <= text.size(); ++i)
        if (std::binary_search(windows.begin(), windows.end(), window_at(text, i)))
            ranges.emplace_back(i, i + kSecretRunLength);
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

std::pmr::vector<Range> hidden_ranges(std::string_view text,
                                      const std::pmr::vector<SecretPiece> &pieces,
                                      std::pmr::memory_resource *memory) {
    std::pmr::vector<Range> ranges(memory);
    for (const SecretPiece &piece : pieces) {
        if (piece.text.size() < kShortestSecretValue) continue;
        for (std::size_t at = text.find(piece.text); at != std::string_view::npos;
             at = text.find(piece.text, at + 1))
            ranges.emplace_back(at, at + piece.text.size());
        if (piece.hide_runs) find_runs(text, piece.text, ranges, memory);
    }
    for (Range &range : ranges) {
        while (range.first > 0 && is_utf8_continuation(text[range.first])) --range.first;
        while (range.second < text.size() && is_utf8_continuation(text[range.second]))
            ++range.second;
    }
    std::sort(ranges.begin(), ranges.end());
    std::pmr::vector<Range> merged(memory);
    for (const Range &range : ranges) {
        if (!merged.empty() && range.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, range.second);
        else
            merged.push_back(range);
    }
    return merged;
}

}  // namespace

void add_secret_pieces(std::string_view setting, std::string_view value,
                       std::pmr::vector<SecretPiece> &pieces) {
    if (value.size() < kShortestSecretValue) return;
    if (equals_ignoring_case(setting, "booking_events.webhook_url")) {
        const std::size_t scheme_end = value.find("://");
        if (scheme_end == std::string_view::npos) {
            pieces.push_back(SecretPiece{value, true});
            return;
        }
        const std::size_t authority = scheme_end + 3;
        std::size_t authority_end = value.find_first_of("/?#", authority);
        if (authority_end == std::string_view::npos) authority_end = value.size();
        const std::size_t at_sign = value.substr(0, authority_end).rfind('@');
        const std::string_view rest = value.substr(authority_end);
        std::string_view userinfo;
        if (at_sign != std::string_view::npos && at_sign >= authority)
            userinfo = value.substr(authority, at_sign - authority);
        // A URL that is only an origin is what the worker logs: no secret.
        if (userinfo.empty() && (rest.empty() || rest == "/")) return;
        // Whole, it is searched for as is; in runs, only its secret parts.
        pieces.push_back(SecretPiece{value, false});
        // User information is a credential at any length; a path only when
        // it is long enough to be one ("/hook" is not).
        if (userinfo.size() >= kShortestSecretValue) pieces.push_back(SecretPiece{userinfo, true});
        add_piece(pieces, rest);
        return;
    }
    const bool several_secrets = equals_ignoring_case(setting, "booking_events.signing_secret") &&
                                 value.find(' ') != std::string_view::npos;
    // Runs across the space between two secrets would eat the text around.
    pieces.push_back(SecretPiece{value, !several_secrets});
    if (several_secrets) {
        std::size_t from = 0;
        while (from < value.size()) {
            std::size_t end = value.find(' ', from);
            if (end == std::string_view::npos) end = value.size();
            const std::string_view secret = value.substr(from, end - from);
            add_piece(pieces, secret);
            if (secret.rfind("whsec_", 0) == 0) add_piece(pieces, secret.substr(6));
            from = end + 1;
        }
    }
}

std::optional<std::pmr::string> hide_secret_values(std::string_view text,
                                                   const std::pmr::vector<SecretPiece> &pieces,
                                                   std::pmr::memory_resource *memory) {
    const std::pmr::vector<Range> ranges = hidden_ranges(text, pieces, memory);
    if (ranges.empty()) return std::nullopt;
    std::pmr::string out(memory);
    std::size_t copied = 0;
    for (const Range &range : ranges) {
        out.append(text.substr(copied, range.first - copied)).append("***");
        copied = range.second;
    }
    out.append(text.substr(copied));
    return out;
}

bool contains_secret_value(std::string_view text, const std::pmr::vector<SecretPiece> &pieces,
                           std::pmr::memory_resource *memory) {
    return !hidden_ranges(text, pieces, memory).empty();
}

}  // namespace booking_events
