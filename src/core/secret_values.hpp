// Keeps secret settings out of the server log, by value: whatever the text
// around it, a known secret value (or a run of 8 or more of its bytes) is
// replaced by ***. Known values are the current ones and the ones the check
// hooks saw last (a value being set, or rejected). Runs inside the server's
// log hook: allocates only through the memory resource it is given.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

// Shorter values are not searched for: they would hide every occurrence of
// common words, and are no credential anyway.
inline constexpr std::size_t kShortestSecretValue = 4;
// Runs of this many bytes of a credential are hidden wherever they appear
// (a value cut by log_parameter_max_length, or written in two pieces).
inline constexpr std::size_t kSecretRunLength = 8;

struct SecretPiece {
    std::string_view text;
    bool hide_runs;  // also hide runs of kSecretRunLength bytes of it
};

// What to look for of `value` of `setting`: the value itself; for a URL, the
// user information and the path and query, but not scheme://host:port, which
// the logs may show; for a signing secret, each of several space-separated
// secrets. The pieces point into `value`.
void add_secret_pieces(std::string_view setting, std::string_view value,
                       std::pmr::vector<SecretPiece> &pieces);

// `text` with every occurrence of a piece, and every run of kSecretRunLength
// bytes of a piece with hide_runs, replaced by ***; hidden ranges are widened
// to whole UTF-8 characters. nullopt when nothing was found.
std::optional<std::pmr::string> hide_secret_values(std::string_view text,
                                                   const std::pmr::vector<SecretPiece> &pieces,
                                                   std::pmr::memory_resource *memory);

// Whether hide_secret_values would change `text`.
bool contains_secret_value(std::string_view text, const std::pmr::vector<SecretPiece> &pieces,
                           std::pmr::memory_resource *memory);

}  // namespace booking_events
