#include "core/config_check.hpp"

#include <optional>
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

// booking_events.ca_file naming nothing readable fails every https request:
// an error, with the path and the reason.
TEST(ConfigCheckTest, UnreadableCaFileIsAnError) {
    DeliveryConfig config = healthy_config();
    config.ca_file = "/etc/ssl/missing.pem";
    config.ca_file_problem = "No such file or directory";
    const ConfigReport report = check_delivery_config(config);
    EXPECT_FALSE(report.valid());
    EXPECT_TRUE(mentions(report.errors, "booking_events.ca_file \"/etc/ssl/missing.pem\""));
    EXPECT_TRUE(mentions(report.errors, "No such file or directory"));
}

// A signing secret of spaces signs nothing: an error, not silence.
TEST(ConfigCheckTest, WhiteSpaceSigningSecretIsAnError) {
    DeliveryConfig config = healthy_config();
    config.signing_secret = "   ";
    const ConfigReport report = check_delivery_config(config);
    EXPECT_FALSE(report.valid());
    EXPECT_TRUE(mentions(report.errors, "booking_events.signing_secret holds only white space"));
}

TEST(ConfigCheckTest, ReadableCaFileSaysNothing) {
    DeliveryConfig config = healthy_config();
    config.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    const ConfigReport report = check_delivery_config(config);
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(report.warnings.empty());
}

TEST(ConfigCheckTest, CaFileProblemNamesWhatIsWrong) {
    EXPECT_EQ(ca_file_problem("/nonexistent/booking_events_ca.pem"),
              std::optional<std::string>("No such file or directory"));
    EXPECT_EQ(ca_file_problem("/"), std::optional<std::string>("it is a directory"));
    EXPECT_EQ(ca_file_problem("/proc/self/status"), std::nullopt);
}

}  // namespace
}  // namespace booking_events
