// The extension's version, as sent in User-Agent and system.version and as
// booking-events-listen --version shows it. Kept in step with
// booking_events.control by the build (see Makefile).
#pragma once

namespace booking_events {
inline constexpr const char *kExtensionVersion = "1.5.0";
}
