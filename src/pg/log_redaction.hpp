#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

void install_log_redaction();

}  // namespace booking_events
