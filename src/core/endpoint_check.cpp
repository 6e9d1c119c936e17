#include "core/endpoint_check.hpp"

#include "core/batch_body.hpp"
#include "core/endpoint_name.hpp"
#include "core/event_type_pattern.hpp"
#include "core/rate_limiter.hpp"
#include "core/signature.hpp"
#include "core/webhook_request.hpp"
#include "core/webhook_url.hpp"

#include <vector>

namespace booking_events {

std::optional<std::string> signing_secrets_problem(const std::string &secrets) {
    // A secret of spaces (a variable that expanded to nothing) would sign
    // nothing, silently: the receiver then refuses every request.
    const std::vector<std::string> split = split_secrets(secrets);
    if (!secrets.empty() && split.empty())
        return std::string("holds only white space (NULL sends unsigned requests)");
    for (const std::string &secret : split)
        if (!signing_key_from_secret(secret))
            return std::string("has an invalid whsec_ secret (whsec_ must be followed by base64)");
    return std::nullopt;
}

std::optional<EndpointRefusal> endpoint_definition_problem(const EndpointDefinition &definition) {
    if (std::optional<std::string> problem = endpoint_name_problem(definition.name))
        return EndpointRefusal{"invalid endpoint name: " + *problem, ""};
    if (definition.name == kDefaultEndpointName)
        return EndpointRefusal{
            // Neither quoted nor named: the log redaction would hide both
            // (every quoted part, and "default" typed in the statement).
            "this endpoint is configured by the settings, not by webhook_endpoint_set()",
            "Set booking_events.webhook_url (and api_key, signing_secret) in postgresql.conf and "
            "reload; webhook_endpoint_pause() and webhook_endpoint_resume() work on it too."};
    const std::string subject = "endpoint \"" + definition.name + "\": ";
    if (definition.url.empty())
        return EndpointRefusal{subject + "url must not be empty",
                               "To stop sending to it, use webhook_endpoint_pause() or "
                               "webhook_endpoint_remove()."};
    if (std::optional<std::string> problem = webhook_url_problem(definition.url))
        return EndpointRefusal{subject + "invalid url: " + *problem, ""};
    EventTypePatternList patterns = parse_event_type_patterns(definition.event_types);
    if (patterns.problem) return EndpointRefusal{subject + *patterns.problem, ""};
    if (definition.max_per_second)
        if (std::optional<std::string> problem = max_per_second_problem(*definition.max_per_second))
            return EndpointRefusal{subject + *problem, "NULL means no limit."};
    if (std::optional<std::string> problem = batch_max_problem(definition.batch_max))
        return EndpointRefusal{subject + *problem, ""};
    if (std::optional<std::string> problem = signing_secrets_problem(definition.signing_secret))
        return EndpointRefusal{subject + "signing_secret " + *problem, ""};
    if (!is_safe_header_value(definition.api_key))
        return EndpointRefusal{subject + "api_key must not contain control characters",
                               "It is sent as a header line: a line break would add headers "
                               "of its own."};
    return std::nullopt;
}

void check_stored_endpoint(const StoredEndpoint &endpoint, bool default_url_set,
                           ConfigReport &report) {
    const std::string subject = "endpoint \"" + endpoint.name + "\"";
    const bool is_default = endpoint.name == kDefaultEndpointName;
    if (!is_default) {
        if (std::optional<std::string> problem = webhook_url_problem(endpoint.url))
            report.errors.push_back(subject + " has an invalid url: " + *problem);
        else if (std::optional<UrlParts> url = parse_webhook_url(endpoint.url);
                 url && url->scheme != "https")
            report.warnings.push_back(subject +
                                      " uses http: events and credentials travel unencrypted");
        if (std::optional<std::string> problem = signing_secrets_problem(endpoint.signing_secret))
            report.errors.push_back(subject + " signing_secret " + *problem);
    }
    if (std::optional<std::string> problem =
            parse_event_type_patterns(endpoint.event_types).problem)
        report.errors.push_back(subject + ": " + *problem);
    if (endpoint.max_per_second)
        if (std::optional<std::string> problem = max_per_second_problem(*endpoint.max_per_second))
            report.errors.push_back(subject + ": " + *problem);
    if (std::optional<std::string> problem = batch_max_problem(endpoint.batch_max))
        report.errors.push_back(subject + ": " + *problem);

    const std::string waiting =
        endpoint.pending > 0 ? " (" + std::to_string(endpoint.pending) + " pending)" : "";
    if (endpoint.paused)
        report.warnings.push_back(subject +
                                  " is paused: nothing is sent to it until "
                                  "webhook_endpoint_resume()" +
                                  waiting);
    if (is_default && !default_url_set && endpoint.pending > 0)
        report.warnings.push_back(
            "events are routed to endpoint \"default\" but booking_events.webhook_url is "
            "empty: they wait" +
            waiting);
    if (endpoint.state == "open" || endpoint.state == "half_open")
        report.warnings.push_back(subject + ": its circuit breaker is " + endpoint.state +
                                  " (the receiver keeps failing)" + waiting);
}

}  // namespace booking_events
