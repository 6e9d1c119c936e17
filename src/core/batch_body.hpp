// The body of a batch request (an endpoint with batch_max > 1):
//   {"batch_id":"<uuid>","events":[<event>,<event>,...]}
// Each event is the exact bytes its single-event request would carry, so a
// receiver that handles both sees the same event either way, and nothing is
// re-serialized on the way (no float or key-order drift). The batch_id is
// also the request's webhook-id, and the signature covers the whole body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

constexpr int kMaxBatchMax = 1000;

// Why `batch_max` cannot be an endpoint's batch size (1..kMaxBatchMax), or
// nullopt when it can.
std::optional<std::string> batch_max_problem(long long batch_max);

// A UUID in the canonical lower-case 8-4-4-4-12 form gen_random_uuid() and
// format_uuid_v4() produce.
bool is_canonical_uuid(std::string_view text);

// Throws std::invalid_argument when batch_id is not canonical, when there
// are no events, or when an event body is not a JSON object's text ('{' to
// '}'): a request the receiver could not read is never built.
std::string build_batch_body(std::string_view batch_id,
                             const std::vector<std::string_view> &event_bodies);

}  // namespace booking_events
