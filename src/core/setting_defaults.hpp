// The default and bounds of every numeric setting, written once: the GUC
// definitions (src/pg/settings.cpp), the worker, the configuration check and
// the core's own defaults read them from here. The contract (README,
// "Settings") states the same defaults; expected/005_settings.out checks them.
#pragma once

namespace booking_events::setting_defaults {

struct IntSetting {
    int default_value;
    int min;
    int max;
};

inline constexpr IntSetting kMaxAttempts{8, 1, 100};
inline constexpr IntSetting kBackoffBaseMs{1000, 1, 86400000};
inline constexpr IntSetting kBackoffMaxMs{3600000, 1, 604800000};
inline constexpr IntSetting kRequestTimeoutMs{10000, 100, 600000};
inline constexpr IntSetting kMaxConcurrency{32, 1, 1000};
inline constexpr IntSetting kBatchSize{100, 1, 10000};
inline constexpr IntSetting kLogRetentionDays{30, 0, 36500};
inline constexpr IntSetting kBreakerFailures{20, 1, 100000};
inline constexpr IntSetting kBreakerProbeMs{30000, 100, 86400000};

}  // namespace booking_events::setting_defaults
