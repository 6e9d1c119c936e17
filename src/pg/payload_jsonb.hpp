// The outbox's payload as a jsonb value built from the event's JSON tree:
// pushJsonbValue over its tokens instead of writing the body as text and
// having jsonb_in parse it again (2.8-6% of the trigger's backend CPU). The
// value is the one jsonb_in makes of serialize_event's text: jsonb orders
// and de-duplicates the keys itself either way.
#pragma once

#include <nlohmann/json.hpp>

#include "core/event_payload.hpp"
#include "core/json_tokens.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// The jsonb Datum of `event` (an object), in CurrentMemoryContext; an event
// with a string the text path treats specially (see JsonTokens::direct)
// goes through serialize_event and jsonb_in. Throws PgError.
Datum event_to_jsonb(const nlohmann::json &event, TextBytes bytes);

// The jsonb Datum of `tokens` (direct, an object), in CurrentMemoryContext;
// Opaque tokens are jsonb objects or arrays, whose numbers are written as
// the reference path reads them back from the column's text. Each object's
// members are pushed in jsonb's key order (JsonbMemberOrder), so that
// jsonb's own sort of the keys finds them sorted. False when one is a
// number that path carries otherwise. Throws PgError.
bool payload_tokens_to_jsonb(const JsonTokens &tokens, Datum *payload);

}  // namespace booking_events
