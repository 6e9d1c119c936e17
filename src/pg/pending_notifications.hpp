// Real-time notifications of the current transaction, held back until it
// commits. Sending them from the trigger itself would make PREPARE
// TRANSACTION fail (PostgreSQL refuses to prepare a transaction that ran
// NOTIFY); queued here, they are handed to NOTIFY at pre-commit, dropped with
// a rolled-back subtransaction, and skipped for a prepared transaction (its
// events stay in the outbox, where listeners replay them).
#pragma once

#include <string>
#include <vector>

namespace booking_events {

// Channels and payload in the database encoding, checked against
// PostgreSQL's limits by the caller.
void queue_notifications(std::vector<std::string> channels, std::string payload);

// Registers the transaction callbacks; once per process.
void install_notification_callbacks();

}  // namespace booking_events
