#include "core/endpoint_check.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

EndpointDefinition crm() {
    EndpointDefinition definition;
    definition.name = "crm";
    definition.url = "https://hook.eu1.make.com/abc";
    definition.event_types = {"booking.*"};
    return definition;
}

std::string refusal_of(const EndpointDefinition &definition) {
    const std::optional<EndpointRefusal> refusal = endpoint_definition_problem(definition);
    return refusal ? refusal->message : "";
}

bool mentions(const std::vector<std::string> &lines, const std::string &part) {
    for (const std::string &line : lines)
        if (line.find(part) != std::string::npos) return true;
    return false;
}

TEST(EndpointCheckTest, AcceptsAGoodDefinition) {
    EndpointDefinition definition = crm();
    definition.max_per_second = 2.5;
    definition.batch_max = 50;
    definition.api_key = "key";
    definition.signing_secret = "whsec_c2VjcmV0LWJ5dGVz whsec_b3RoZXI=";
    EXPECT_FALSE(endpoint_definition_problem(definition));
}

TEST(EndpointCheckTest, RefusesDefaultWithAHint) {
    EndpointDefinition definition = crm();
    definition.name = "default";
    const std::optional<EndpointRefusal> refusal = endpoint_definition_problem(definition);
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->hint.find("booking_events.webhook_url"), std::string::npos);
}

TEST(EndpointCheckTest, RefusesEachBadArgumentNamingIt) {
    EndpointDefinition bad_name = crm();
    bad_name.name = "crm system";
    EXPECT_NE(refusal_of(bad_name).find("invalid endpoint name"), std::string::npos);
    EndpointDefinition empty_url = crm();
    empty_url.url = "";
    EXPECT_NE(refusal_of(empty_url).find("url must not be empty"), std::string::npos);
    EndpointDefinition ftp = crm();
    ftp.url = "ftp://example.com/x";
    EXPECT_NE(refusal_of(ftp).find("invalid url"), std::string::npos);
    EndpointDefinition no_types = crm();
    no_types.event_types = {};
    EXPECT_NE(refusal_of(no_types).find("event_types"), std::string::npos);
    EndpointDefinition bad_pattern = crm();
    bad_pattern.event_types = {"booking.*.x"};
    EXPECT_NE(refusal_of(bad_pattern), "");
    EndpointDefinition negative_rate = crm();
    negative_rate.max_per_second = -1;
    EXPECT_NE(refusal_of(negative_rate).find("max_per_second"), std::string::npos);
    EndpointDefinition huge_batch = crm();
    huge_batch.batch_max = 1001;
    EXPECT_NE(refusal_of(huge_batch).find("batch_max"), std::string::npos);
    EndpointDefinition bad_secret = crm();
    bad_secret.signing_secret = "whsec_!!!";
    EXPECT_NE(refusal_of(bad_secret).find("signing_secret"), std::string::npos);
    EndpointDefinition header_in_key = crm();
    header_in_key.api_key = "k\r\nX-Injected: 1";
    EXPECT_NE(refusal_of(header_in_key).find("api_key"), std::string::npos);
}

TEST(EndpointCheckTest, StoredEndpointErrorsAndWarnings) {
    StoredEndpoint stored;
    stored.name = "crm";
    stored.url = "http://receiver.example/x";
    stored.event_types = {"*"};
    stored.paused = true;
    stored.pending = 3;
    stored.state = "open";
    ConfigReport report;
    check_stored_endpoint(stored, true, report);
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(mentions(report.warnings, "endpoint \"crm\" is paused"));
    EXPECT_TRUE(mentions(report.warnings, "3 pending"));
    EXPECT_TRUE(mentions(report.warnings, "uses http"));
    EXPECT_TRUE(mentions(report.warnings, "circuit breaker is open"));

    stored.url = "not a url";
    ConfigReport broken;
    check_stored_endpoint(stored, true, broken);
    EXPECT_TRUE(mentions(broken.errors, "endpoint \"crm\" has an invalid url"));
}

// A signing secret of spaces signs nothing: refused, not stored.
TEST(EndpointCheckTest, RefusesASigningSecretOfWhiteSpace) {
    EndpointDefinition blank_secret = crm();
    blank_secret.signing_secret = " \t ";
    EXPECT_NE(refusal_of(blank_secret).find("signing_secret holds only white space"),
              std::string::npos);
}

TEST(EndpointCheckTest, DefaultWithoutUrlWarnsOnlyWhenEventsWaitForIt) {
    StoredEndpoint fallback;
    fallback.name = "default";
    fallback.event_types = {"*"};
    ConfigReport idle;
    check_stored_endpoint(fallback, false, idle);
    EXPECT_TRUE(idle.warnings.empty());
    fallback.pending = 2;
    ConfigReport waiting;
    check_stored_endpoint(fallback, false, waiting);
    EXPECT_TRUE(mentions(waiting.warnings, "booking_events.webhook_url is empty"));
    ConfigReport configured;
    check_stored_endpoint(fallback, true, configured);
    EXPECT_TRUE(configured.warnings.empty());
}

}  // namespace
}  // namespace booking_events
