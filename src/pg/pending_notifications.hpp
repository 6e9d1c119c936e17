// Real-time notifications of the current transaction, held back until it
// commits. Sending them from the trigger itself would make PREPARE
// TRANSACTION fail (PostgreSQL refuses to prepare a transaction that ran
// NOTIFY); queued here, they are handed to NOTIFY at pre-commit, dropped with
// a rolled-back subtransaction, and skipped for a prepared transaction (its
// events stay in the outbox, where listeners replay them).
//
// An event is queued as its fields; its channels and payload are written at
// pre-commit, and only when a session may receive them (listen_fence.hpp):
// while nobody listens, the trigger does none of that work.
#pragma once

#include "core/notification.hpp"

namespace booking_events {

// `full_payload`: the opt-in full payload instead of the hint. At
// pre-commit the channels and payload are converted to the database
// encoding, and a channel or payload over PostgreSQL's limits is left out.
void queue_notification(NotificationFields fields, bool full_payload);

// Registers the transaction callbacks; once per process.
void install_notification_callbacks();

}  // namespace booking_events
