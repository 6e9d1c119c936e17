// Whether an id taken from a row (a booking_id, a client_id) is valid input
// for the id column it is looked up in. The lookups only run with values the
// column's type accepts, so a malformed id leaves the enrichment out instead
// of failing the application's statement.
#pragma once

#include <string_view>

namespace booking_events {

enum class IdSyntax { Int16, Int32, Int64, Uuid, Text, Unsupported };

// True only for text the type's input function surely accepts (PostgreSQL
// accepts a little more: spaces around integers, for one; those ids simply
// get no enrichment).
bool id_matches_syntax(std::string_view text, IdSyntax syntax);

}  // namespace booking_events
