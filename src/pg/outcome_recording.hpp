// Writes finished attempts (core/outcome_ring.hpp's RecordedOutcome) with
// the record statement of the extension's schema: the delivery worker when
// it records them itself, the recorder otherwise. One statement for all.
#pragma once

#include <vector>

#include "core/outcome_ring.hpp"
#include "pg/extension_catalog.hpp"

namespace booking_events {

// Inside a transaction with SPI connected: to the deliveries when the
// schema has them (1.2.0 on), else to the outbox. Raises PgError.
void record_outcomes(const ExtensionInfo &extension, bool schema_has_endpoints,
                     const std::vector<RecordedOutcome> &outcomes);

}  // namespace booking_events
