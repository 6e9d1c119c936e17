#include "core/webhook_url.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

// ---------------------------------------------------------------------------
// parse_webhook_url

// scheme, userinfo, host, port, path and query, all of them: each case also
// says which parts are empty.
std::vector<std::string> all_parts(const std::string &url) {
    const std::optional<UrlParts> parts = parse_webhook_url(url);
    if (!parts.has_value()) return {"(not parsed)"};
    return {parts->scheme, parts->userinfo, parts->host, parts->port, parts->path, parts->query};
}

using Parts = std::vector<std::string>;

TEST(ParseWebhookUrlTest, SplitsEveryPart) {
    // The scheme is lower-cased, the host kept as written, the fragment dropped.
    EXPECT_EQ(all_parts("HTTPS://user:pw@Hook.Example.com:8443/a/b?x=1&y=2#frag"),
              (Parts{"https", "user:pw", "Hook.Example.com", "8443", "/a/b", "x=1&y=2"}));
    EXPECT_EQ(all_parts("http://localhost"), (Parts{"http", "", "localhost", "", "", ""}));
}

TEST(ParseWebhookUrlTest, Ipv6LiteralWithoutBrackets) {
    EXPECT_EQ(all_parts("http://[::1]:8080/hook"), (Parts{"http", "", "::1", "8080", "/hook", ""}));
}

TEST(ParseWebhookUrlTest, AtSignInPathOrQueryIsNotUserinfo) {
    EXPECT_EQ(all_parts("https://example.com/users/a@b?mail=c@d"),
              (Parts{"https", "", "example.com", "", "/users/a@b", "mail=c@d"}));
}

// ---------------------------------------------------------------------------
// webhook_url_problem

TEST(WebhookUrlProblemTest, EmptyIsValidItPausesDelivery) {
    EXPECT_EQ(webhook_url_problem(""), std::nullopt);
}

TEST(WebhookUrlProblemTest, AcceptsHttpAndHttpsUrls) {
    for (const char *url :
         {"https://hook.eu1.make.com/abcdef123456", "http://127.0.0.1:8080/hook",
          "http://localhost", "HTTPS://Example.COM/Hook",
          "https://user:secret@example.com/path?token=abc#frag", "http://example.com:1/",
          "http://example.com:65535/", "https://example.com?x=1", "https://my_host.internal/x"}) {
        EXPECT_EQ(webhook_url_problem(url), std::nullopt) << url;
    }
}

TEST(WebhookUrlProblemTest, AcceptsIpv6Literals) {
    for (const char *url : {"http://[::1]/", "http://[::1]:8080/hook", "https://[2001:db8::1]",
                            "http://[::ffff:192.0.2.1]:80/x"}) {
        EXPECT_EQ(webhook_url_problem(url), std::nullopt) << url;
    }
}

TEST(WebhookUrlProblemTest, RejectsOtherSchemes) {
    const std::optional<std::string> ftp = webhook_url_problem("ftp://example.com/file");
    ASSERT_TRUE(ftp.has_value());
    EXPECT_NE(ftp->find("ftp"), std::string::npos) << *ftp;

    const std::optional<std::string> file = webhook_url_problem("file:///etc/passwd");
    ASSERT_TRUE(file.has_value());
    EXPECT_NE(file->find("file"), std::string::npos) << *file;

    for (const char *url : {"javascript:alert(1)", "javascript://example.com/%0aalert(1)",
                            "mailto:ops@example.com", "ws://example.com/socket",
                            "httpx://example.com", "example.com/hook", "//example.com/hook"}) {
        EXPECT_TRUE(webhook_url_problem(url).has_value()) << url;
    }
}

TEST(WebhookUrlProblemTest, RejectsMissingHost) {
    for (const char *url : {"http://", "https://", "http:///path", "http://:8080/",
                            "http://user@/x", "http://?q=1", "http://#frag", "http://[]/"}) {
        EXPECT_TRUE(webhook_url_problem(url).has_value()) << url;
    }
}

TEST(WebhookUrlProblemTest, RejectsBadPorts) {
    for (const char *url :
         {"http://example.com:0/", "http://example.com:65536/", "http://example.com:99999/",
          "http://example.com:123456/", "http://example.com:abc/", "http://example.com:-1/",
          "http://example.com:80a/", "http://[::1]:0/", "http://[::1]:70000/"}) {
        EXPECT_TRUE(webhook_url_problem(url).has_value()) << url;
    }
}

TEST(WebhookUrlProblemTest, RejectsWhiteSpaceAndControlCharacters) {
    for (const char *url :
         {"https://exa mple.com/", " https://example.com/", "https://example.com/ ",
          "https://example.com/a b", "https://example.com/\n", "https://example.com/\tx",
          "https://example.com/\r\nX-Injected: 1", "https://example.com/\x7f"}) {
        EXPECT_TRUE(webhook_url_problem(url).has_value()) << url;
    }
}

TEST(WebhookUrlProblemTest, RejectsMalformedHosts) {
    for (const char *url : {"http://exa<mple.com/", "http://[::1/", "http://[zz::1]/",
                            "http://[::1]x/", "http://ex\"ample.com/"}) {
        EXPECT_TRUE(webhook_url_problem(url).has_value()) << url;
    }
}

// ---------------------------------------------------------------------------
// redact_url

TEST(RedactUrlTest, UserinfoAndQueryAreHidden) {
    EXPECT_EQ(redact_url("https://user:secret@hook.example.com/path?token=abc"),
              "https://***@hook.example.com/path?***");
    EXPECT_EQ(redact_url("https://token@hook.example.com/"), "https://***@hook.example.com/");
    EXPECT_EQ(redact_url("https://example.com/p?k=v"), "https://example.com/p?***");
    EXPECT_EQ(redact_url("https://example.com?k=v"), "https://example.com?***");
}

TEST(RedactUrlTest, SecretsNeverSurvive) {
    const std::string shown =
        redact_url("https://alice:hunter2@a@example.com:8443/x?api_key=s3cr3t#frag-s3cr3t");
    EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("alice"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("s3cr3t"), std::string::npos) << shown;
    EXPECT_EQ(shown, "https://***@example.com:8443/x?***");
}

TEST(RedactUrlTest, CleanUrlIsUnchanged) {
    for (const char *url :
         {"https://hook.eu1.make.com/abcdef123456", "http://127.0.0.1:8080/hook",
          "http://localhost", "http://[::1]:8080/hook", "https://[2001:db8::1]/"}) {
        EXPECT_EQ(redact_url(url), url);
    }
}

TEST(RedactUrlTest, InvalidUrl) {
    for (const char *url : {"", "not a url", "ftp://user:pw@example.com/", "http://",
                            "http://example.com:99999/?token=secret"}) {
        EXPECT_EQ(redact_url(url), "<invalid URL>") << url;
    }
}

// ---------------------------------------------------------------------------
// redact_urls_in_text

TEST(RedactUrlsInTextTest, ReplacesUrlInsideAMessage) {
    EXPECT_EQ(redact_urls_in_text(
                  "Failed to connect to https://user:pw@example.com/hook?token=abc after 5000 ms"),
              "Failed to connect to https://***@example.com/hook?*** after 5000 ms");
}

TEST(RedactUrlsInTextTest, TextWithoutUrlIsUnchanged) {
    EXPECT_EQ(redact_urls_in_text(""), "");
    EXPECT_EQ(redact_urls_in_text("Connection refused"), "Connection refused");
    EXPECT_EQ(redact_urls_in_text("Could not resolve host: example.com"),
              "Could not resolve host: example.com");
}

TEST(RedactUrlsInTextTest, CleanUrlInTextIsKept) {
    EXPECT_EQ(redact_urls_in_text("posting to http://127.0.0.1:8080/hook failed"),
              "posting to http://127.0.0.1:8080/hook failed");
}

TEST(RedactUrlsInTextTest, EveryUrlIsReplaced) {
    EXPECT_EQ(redact_urls_in_text("from http://a:b@one.example/?x=1 to https://two.example/p?y=2"),
              "from http://***@one.example/?*** to https://two.example/p?***");
}

TEST(RedactUrlsInTextTest, UrlEndsAtQuotesAndBrackets) {
    EXPECT_EQ(redact_urls_in_text("redirect to 'https://example.com/x?sig=1' refused"),
              "redirect to 'https://example.com/x?***' refused");
    EXPECT_EQ(redact_urls_in_text("location \"https://u:p@example.com/\""),
              "location \"https://***@example.com/\"");
    EXPECT_EQ(redact_urls_in_text("(see https://example.com/?t=1)"),
              "(see https://example.com/?***)");
    EXPECT_EQ(redact_urls_in_text("<https://example.com/?t=1>"), "<https://example.com/?***>");
}

TEST(RedactUrlsInTextTest, UrlAtStartAndEnd) {
    EXPECT_EQ(redact_urls_in_text("https://u:p@example.com/"), "https://***@example.com/");
    EXPECT_EQ(redact_urls_in_text("bad url http://"), "bad url <invalid URL>");
}

TEST(RedactUrlsInTextTest, SchemeInAnyLetterCase) {
    for (const char *scheme : {"HTTPS", "https", "Https", "hTTp"}) {
        const std::string text =
            std::string("error at ") + scheme + "://user:pw@example.com/p?token=abc: timeout";
        const std::string shown = redact_urls_in_text(text);
        EXPECT_EQ(shown.find("pw"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("token"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("error at "), 0u) << shown;
        EXPECT_NE(shown.find("***@example.com/p?***"), std::string::npos) << shown;
    }
}

TEST(RedactUrlsInTextTest, UnparsableUrlWithSecretsIsHidden) {
    const std::string shown =
        redact_urls_in_text("bad: http://user:pw@exa<mple.com/?token=s3cr3t end");
    EXPECT_EQ(shown.find("s3cr3t"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("pw"), std::string::npos) << shown;
    EXPECT_EQ(shown, "bad: <invalid URL> end");
}

}  // namespace
}  // namespace booking_events

namespace booking_events {
namespace {

TEST(UrlOriginTest, OnlySchemeHostAndPort) {
    EXPECT_EQ(url_origin("https://hook.eu1.make.com/abcdef123456"), "https://hook.eu1.make.com");
    EXPECT_EQ(url_origin("http://user:pw@127.0.0.1:8080/hook?token=x"), "http://127.0.0.1:8080");
    EXPECT_EQ(url_origin("https://[::1]:8443/x"), "https://[::1]:8443");
    EXPECT_EQ(url_origin("ftp://example.com/"), "<invalid URL>");
}

}  // namespace
}  // namespace booking_events
