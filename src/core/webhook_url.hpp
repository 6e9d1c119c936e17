// The webhook URL as the settings and the logs see it: validated before it is
// accepted, and reduced to what is safe to show before it is printed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace booking_events {

struct UrlParts {
    std::string scheme;    // lower case: "http" or "https"
    std::string userinfo;  // "user:password", may be empty
    std::string host;      // without brackets for IPv6
    std::string port;      // may be empty
    std::string path;      // from the first '/', may be empty
    std::string query;     // after '?', without the '#fragment'
};

// Splits an absolute http(s) URL. nullopt when it is not one.
std::optional<UrlParts> parse_webhook_url(std::string_view url);

// Why `url` cannot be used as the webhook URL, or nullopt when it can. The
// empty string is valid: it pauses delivery.
std::optional<std::string> webhook_url_problem(std::string_view url);

// The URL with credentials and query string replaced by "***", safe for logs,
// error messages and webhook_health(). Unparsable input gives "<invalid URL>".
std::string redact_url(std::string_view url);

// "scheme://host[:port]" only: what the server log shows of the target. The
// path of a Make.com webhook URL is itself the credential, so it stays out.
std::string url_origin(std::string_view url);

// Replaces every URL-looking substring of `text` with its redacted form, for
// error texts that come from libraries and may echo the URL.
std::string redact_urls_in_text(std::string_view text);

}  // namespace booking_events
