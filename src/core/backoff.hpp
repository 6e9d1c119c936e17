// Retry timing: the exponential backoff schedule of the contract and the
// Retry-After header a receiver may send with 429 or 503.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace booking_events {

struct BackoffPolicy {
    std::int64_t base_ms = 1000;
    std::int64_t max_ms = 3600000;
};

// Delay before the next attempt after `attempts_made` failed attempts (>= 1):
// min(max_ms, base_ms * 2^(attempts_made - 1)), scaled into [50%, 100%] by
// `unit_random` in [0, 1). Jitter spreads retries of a burst that failed
// together so they do not hit a recovering receiver at the same instant.
std::int64_t backoff_delay_ms(const BackoffPolicy &policy, int attempts_made, double unit_random);

// Parses a Retry-After value, either delta-seconds ("120") or an HTTP-date
// (IMF-fixdate, RFC 850 or asctime form), into a delay from `now_unix_ms`.
// A date in the past gives 0. Unparsable values give nullopt.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms);

// Seconds since the epoch of a proleptic Gregorian UTC date and time, without
// depending on the process time zone.
std::int64_t unix_seconds_from_utc(int year, int month, int day, int hour, int minute, int second);

}  // namespace booking_events
