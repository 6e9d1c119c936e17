#include "core/webhook_request.hpp"

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "core/sha256.hpp"
#include "core/signature.hpp"

namespace booking_events {
namespace {

using namespace std::string_literals;

constexpr const char *kEventId = "0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab";
// date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
constexpr std::int64_t kTimestamp = 1768644930;
const std::string kBody = R"({"event_id":"0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab","n":1})";

WebhookTarget plain_target() {
    WebhookTarget target;
    target.url = "https://hook.eu1.make.com/abc123";
    target.user_agent = "booking_events/1.0.0";
    target.timeout_ms = 10000;
    return target;
}

// Values of the header `name` (case-insensitive), in order.
std::vector<std::string> header_values(const HttpRequest &request, const std::string &name) {
    std::vector<std::string> values;
    for (const std::string &line : request.headers) {
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos || colon != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < colon; ++i)
            same = same && std::tolower(static_cast<unsigned char>(line[i])) ==
                               std::tolower(static_cast<unsigned char>(name[i]));
        if (!same) continue;
        std::size_t start = colon + 1;
        while (start < line.size() && line[start] == ' ') ++start;
        values.push_back(line.substr(start));
    }
    return values;
}

std::optional<std::string> header(const HttpRequest &request, const std::string &name) {
    const std::vector<std::string> values = header_values(request, name);
    EXPECT_LE(values.size(), 1u) << name << " sent more than once";
    if (values.empty()) return std::nullopt;
    return values.front();
}

// The signature a receiver computes, from the primitives rather than from
// standard_webhooks_signature, so a mistake shared by both would show.
std::string receiver_signature(const std::string &key, const std::string &id,
                               const std::string &timestamp, const std::string &body) {
    const Sha256Digest mac = hmac_sha256(key, id + "." + timestamp + "." + body);
    return "v1," + base64_encode(std::string(mac.begin(), mac.end()));
}

TEST(BuildWebhookRequestTest, HeadersWithoutSecretOrApiKey) {
    const HttpRequest request =
        build_webhook_request(plain_target(), 42, kEventId, kBody, kTimestamp);
    EXPECT_EQ(request.tag, 42u);
    EXPECT_EQ(request.url, "https://hook.eu1.make.com/abc123");
    EXPECT_EQ(request.headers, (std::vector<std::string>{
                                   "Content-Type: application/json",
                                   "User-Agent: booking_events/1.0.0",
                                   "webhook-id: 0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab",
                                   "webhook-timestamp: 1768644930",
                               }));
    EXPECT_EQ(header(request, "webhook-signature"), std::nullopt);
    EXPECT_EQ(header(request, "x-make-apikey"), std::nullopt);
    EXPECT_EQ(request.body, kBody);
}

TEST(BuildWebhookRequestTest, ApiKeyHeaderOnlyWhenSet) {
    WebhookTarget target = plain_target();
    target.api_key = "make-key-123";
    const HttpRequest request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    EXPECT_EQ(header(request, "x-make-apikey"), "make-key-123");
    EXPECT_EQ(header(request, "webhook-signature"), std::nullopt);
    EXPECT_EQ(header(request, "Content-Type"), "application/json");
}

// A key with a line break (an endpoint's, stored before webhook_endpoint_set
// refused them) would add a header line of its own: it is not sent.
TEST(BuildWebhookRequestTest, AnApiKeyThatWouldAddHeadersIsNotSent) {
    for (const char *key : {"k\r\nX-Injected: 1", "k\nX-Injected: 1", "k\x7f", "k\tk"}) {
        EXPECT_FALSE(is_safe_header_value(key)) << key;
        WebhookTarget target = plain_target();
        target.api_key = key;
        const HttpRequest request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
        EXPECT_EQ(header(request, "x-make-apikey"), std::nullopt) << key;
        EXPECT_EQ(request.headers.size(), 4u) << key;
    }
    EXPECT_TRUE(is_safe_header_value("make-key 123 \xC3\xA9"));
}

TEST(BuildWebhookRequestTest, SignatureMatchesStandardWebhooks) {
    WebhookTarget target = plain_target();
    const std::optional<std::string> key =
        signing_key_from_secret("whsec_c2VjcmV0LWtleS1ieXRlcw==");
    ASSERT_TRUE(key.has_value());
    target.signing_keys = {*key};
    const HttpRequest request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);

    const std::optional<std::string> signature = header(request, "webhook-signature");
    ASSERT_TRUE(signature.has_value());
    EXPECT_EQ(*signature,
              standard_webhooks_signature(target.signing_keys, kEventId, "1768644930", kBody));
    EXPECT_EQ(*signature, receiver_signature(*key, kEventId, "1768644930", kBody));
    // The header values the receiver signs over are the ones sent.
    EXPECT_EQ(header(request, "webhook-id"), kEventId);
    EXPECT_EQ(header(request, "webhook-timestamp"), "1768644930");
}

TEST(BuildWebhookRequestTest, StandardWebhooksReferenceVector) {
    // The example of the Standard Webhooks specification.
    WebhookTarget target = plain_target();
    target.signing_keys = signing_keys_from_setting("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_EQ(target.signing_keys.size(), 1u);
    const HttpRequest request = build_webhook_request(target, 1, "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                      R"({"test": 2432232314})", 1614265330);
    EXPECT_EQ(header(request, "webhook-signature"),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    EXPECT_EQ(header(request, "webhook-timestamp"), "1614265330");
}

TEST(BuildWebhookRequestTest, RotationSignsWithEveryKey) {
    WebhookTarget target = plain_target();
    target.signing_keys = {"new-key", "old-key"};
    target.api_key = "k";
    const HttpRequest request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    EXPECT_EQ(header(request, "webhook-signature"),
              receiver_signature("new-key", kEventId, "1768644930", kBody) + " " +
                  receiver_signature("old-key", kEventId, "1768644930", kBody));
    EXPECT_EQ(request.headers.size(), 6u);
}

TEST(BuildWebhookRequestTest, BodyIsKeptByteExactAndSignedAsIs) {
    const std::string body = "{\"a\":\"\xFF\xFE\",\"b\":\"\0nul\",\"c\":\"line\r\nnext\"}  \n"s;
    ASSERT_NE(body.find('\0'), std::string::npos);
    WebhookTarget target = plain_target();
    target.signing_keys = {"raw-key"};
    const HttpRequest request = build_webhook_request(target, 7, kEventId, body, kTimestamp);
    EXPECT_EQ(request.body, body);
    EXPECT_EQ(request.body.size(), body.size());
    EXPECT_EQ(header(request, "webhook-signature"),
              receiver_signature("raw-key", kEventId, "1768644930", body));
    // A signature over any other bytes would differ.
    EXPECT_NE(
        header(request, "webhook-signature"),
        receiver_signature("raw-key", kEventId, "1768644930", body.substr(0, body.size() - 1)));
}

TEST(BuildWebhookRequestTest, SameInputGivesTheSameRequest) {
    WebhookTarget target = plain_target();
    target.signing_keys = {"k"};
    const HttpRequest first = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    const HttpRequest second = build_webhook_request(target, 2, kEventId, kBody, kTimestamp);
    EXPECT_EQ(first.headers, second.headers);
    EXPECT_EQ(first.body, second.body);
    // A later attempt has a new timestamp and therefore a new signature.
    const HttpRequest later = build_webhook_request(target, 3, kEventId, kBody, kTimestamp + 60);
    EXPECT_EQ(header(later, "webhook-timestamp"), "1768644990");
    EXPECT_NE(header(later, "webhook-signature"), header(first, "webhook-signature"));
    EXPECT_EQ(later.body, first.body);
}

TEST(BuildWebhookRequestTest, TimestampIsDecimalUnixSeconds) {
    EXPECT_EQ(
        header(build_webhook_request(plain_target(), 1, kEventId, kBody, 0), "webhook-timestamp"),
        "0");
    EXPECT_EQ(header(build_webhook_request(plain_target(), 1, kEventId, kBody, 4102444800LL),
                     "webhook-timestamp"),
              "4102444800");
}

TEST(BuildWebhookRequestTest, Timeouts) {
    WebhookTarget target = plain_target();
    target.timeout_ms = 10000;
    HttpRequest request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    EXPECT_EQ(request.timeout_ms, 10000);
    EXPECT_EQ(request.connect_timeout_ms, 10000);

    target.timeout_ms = 2500;
    request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    EXPECT_EQ(request.timeout_ms, 2500);
    EXPECT_EQ(request.connect_timeout_ms, 2500);

    target.timeout_ms = 60000;
    request = build_webhook_request(target, 1, kEventId, kBody, kTimestamp);
    EXPECT_EQ(request.timeout_ms, 60000);
    EXPECT_EQ(request.connect_timeout_ms, 10000);
}

TEST(SigningKeysFromSettingTest, DecodesAndSkipsInvalid) {
    EXPECT_TRUE(signing_keys_from_setting("").empty());
    EXPECT_EQ(signing_keys_from_setting("whsec_c2VjcmV0"), (std::vector<std::string>{"secret"}));
    EXPECT_EQ(signing_keys_from_setting("raw-secret"), (std::vector<std::string>{"raw-secret"}));
    EXPECT_EQ(signing_keys_from_setting("whsec_!!! raw-secret"),
              (std::vector<std::string>{"raw-secret"}));
    EXPECT_EQ(signing_keys_from_setting("whsec_bmV3 whsec_b2xk"),
              (std::vector<std::string>{"new", "old"}));
}

}  // namespace
}  // namespace booking_events
