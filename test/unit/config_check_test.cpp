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

TEST(ConfigCheckTest, DatabaseNameWaitingForRestartIsAWarning) {
    DeliveryConfig config = healthy_config();
    config.database_name_pending_restart = true;
    const ConfigReport report = check_delivery_config(config);
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(mentions(report.warnings, "next server restart"));
    EXPECT_TRUE(mentions(report.warnings, "\"app\""));
}

TEST(ConfigCheckTest, PausedIsAWarningNotAnError) {
    DeliveryConfig config = healthy_config();
    config.paused = true;
    const ConfigReport report = check_delivery_config(config);
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(mentions(report.warnings, "booking_events.paused is on"));
}

}  // namespace
}  // namespace booking_events
