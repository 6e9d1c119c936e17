#include "core/config_check.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

DeliveryConfig healthy_config() {
    DeliveryConfig config;
    config.webhook_url = "https://hook.eu1.make.com/abc";
    config.api_key = "an-api-key-of-some-length";
    config.signing_secret = "a-signing-secret-of-32-bytes-ok!";
    config.database_name = "app";
    config.current_database = "app";
    config.worker_loaded = true;
    return config;
}

bool mentions(const std::vector<std::string> &lines, const std::string &part) {
    for (const std::string &line : lines)
        if (line.find(part) != std::string::npos) return true;
    return false;
}

TEST(ConfigCheckTest, HealthyConfigHasNothingToSay) {
    const ConfigReport report = check_delivery_config(healthy_config());
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(report.warnings.empty());
}

// A change that leaves a healthy config valid: the warnings it draws.
std::vector<std::string> warnings_after(void (*change)(DeliveryConfig &)) {
    DeliveryConfig config = healthy_config();
    change(config);
    const ConfigReport report = check_delivery_config(config);
    EXPECT_TRUE(report.valid());
    return report.warnings;
}

TEST(ConfigCheckTest, DatabaseNameWaitingForRestartIsAWarning) {
    const std::vector<std::string> warnings =
        warnings_after([](DeliveryConfig &config) { config.database_name_pending_restart = true; });
    EXPECT_TRUE(mentions(warnings, "next server restart"));
    EXPECT_TRUE(mentions(warnings, "\"app\""));
}

TEST(ConfigCheckTest, PausedIsAWarningNotAnError) {
    const std::vector<std::string> warnings =
        warnings_after([](DeliveryConfig &config) { config.paused = true; });
    EXPECT_TRUE(mentions(warnings, "booking_events.paused is on"));
}

}  // namespace
}  // namespace booking_events
