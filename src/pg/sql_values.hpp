// C++ values to and from SQL datums, for the SQL-callable functions.
#pragma once

#include <string>
#include <vector>

#include "pg/postgres_headers.hpp"

namespace booking_events {

// A text[] datum (palloc'd) holding `items`.
Datum text_array_datum(const std::vector<std::string> &items);

// Argument `index` (text, not NULL) as a string.
std::string text_argument(FunctionCallInfo fcinfo, int index);

}  // namespace booking_events
