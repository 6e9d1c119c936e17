#include "core/webhook_url.hpp"

#include <algorithm>
#include <cctype>

namespace booking_events {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '%' || c == '~';
}

}  // namespace

std::optional<UrlParts> parse_webhook_url(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    UrlParts parts;
    parts.scheme = lower(url.substr(0, scheme_end));
    if (parts.scheme != "http" && parts.scheme != "https") return std::nullopt;
    std::string_view rest = url.substr(scheme_end + 3);
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    const std::size_t authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        parts.userinfo = std::string(authority.substr(0, at));
        authority = authority.substr(at + 1);
    }
    if (!authority.empty() && authority[0] == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        parts.host = std::string(authority.substr(1, close - 1));
        authority = authority.substr(close + 1);
        if (!authority.empty()) {
            if (authority[0] != ':') return std::nullopt;
            parts.port = std::string(authority.substr(1));
        }
        if (parts.host.empty() ||
            parts.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
            return std::nullopt;
    } else {
        const std::size_t colon = authority.rfind(':');
        parts.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) parts.port = std::string(authority.substr(colon + 1));
        if (parts.host.empty() || !std::all_of(parts.host.begin(), parts.host.end(), is_host_char))
            return std::nullopt;
    }
    if (!parts.port.empty()) {
        if (parts.port.size() > 5 ||
            !std::all_of(parts.port.begin(), parts.port.end(),
                         [](unsigned char c) { return std::isdigit(c); }) ||
            std::stoi(parts.port) < 1 || std::stoi(parts.port) > 65535)
            return std::nullopt;
    }
    const std::size_t question = tail.find('?');
    parts.path = std::string(tail.substr(0, question));
    if (question != std::string_view::npos) parts.query = std::string(tail.substr(question + 1));
    return parts;
}

std::optional<std::string> webhook_url_problem(std::string_view url) {
    if (url.empty()) return std::nullopt;
    for (char c : url)
        if (std::isspace(static_cast<unsigned char>(c)) ||
            std::iscntrl(static_cast<unsigned char>(c)))
            return std::string("the URL contains white space or control characters");
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return std::string("the URL must start with http:// or https://");
    const std::string scheme = lower(url.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https")
        return "the URL scheme \"" + scheme + "\" is not supported; use http or https";
    if (!parse_webhook_url(url)) return std::string("the URL has no valid host or port");
    return std::nullopt;
}

std::string redact_url(std::string_view url) {
    const std::optional<UrlParts> parts = parse_webhook_url(url);
    if (!parts) return "<invalid URL>";
    std::string out = parts->scheme + "://";
    if (!parts->userinfo.empty()) out += "***@";
    out += parts->host.find(':') != std::string::npos ? "[" + parts->host + "]" : parts->host;
    if (!parts->port.empty()) out += ":" + parts->port;
    out += parts->path;
    if (!parts->query.empty()) out += "?***";
    return out;
}

std::string url_origin(std::string_view url) {
    const std::optional<UrlParts> parts = parse_webhook_url(url);
    if (!parts) return "<invalid URL>";
    std::string out = parts->scheme + "://";
    out += parts->host.find(':') != std::string::npos ? "[" + parts->host + "]" : parts->host;
    if (!parts->port.empty()) out += ":" + parts->port;
    return out;
}

std::string redact_urls_in_text(std::string_view text) {
    std::string out;
    // Schemes are case-insensitive ("Https://" is a valid webhook URL too).
    const std::string lowered = lower(text);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t found = std::string_view::npos;
        for (std::string_view scheme : {"http://", "https://"}) {
            const std::size_t at = lowered.find(scheme, pos);
            if (at < found) found = at;
        }
        if (found == std::string_view::npos) break;
        out.append(text.substr(pos, found - pos));
        std::size_t end = found;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
               text[end] != '"' && text[end] != '\'' && text[end] != '>' && text[end] != ')')
            ++end;
        out += redact_url(text.substr(found, end - found));
        pos = end;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace booking_events
