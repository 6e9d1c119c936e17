#include "core/config_check.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/signature.hpp"
#include "core/webhook_url.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace booking_events {

namespace {

bool ends_with(const std::string &text, const std::string &suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

bool is_make_webhook_host(const std::string &host) {
    const std::string name = lower(host);
    return (name.rfind("hook.", 0) == 0 && ends_with(name, ".make.com")) ||
           name == "hook.integromat.com";
}

// The receiver the settings configure (endpoint `default`).
static void check_settings_receiver(const DeliveryConfig &config, ConfigReport &report) {
    auto error = [&](std::string text) { report.errors.push_back(std::move(text)); };
    auto warning = [&](std::string text) { report.warnings.push_back(std::move(text)); };
    if (config.webhook_url.empty()) {
        error(
            "booking_events.webhook_url is empty: delivery is paused and events wait in the "
            "outbox");
    } else if (std::optional<std::string> problem = webhook_url_problem(config.webhook_url)) {
        error("booking_events.webhook_url is invalid: " + *problem);
    } else if (std::optional<UrlParts> url = parse_webhook_url(config.webhook_url)) {
        if (url->scheme != "https")
            warning(
                "booking_events.webhook_url uses http: events and credentials travel unencrypted");
        if (!is_make_webhook_host(url->host))
            warning("booking_events.webhook_url host \"" + url->host +
                    "\" is not a Make.com webhook host (hook.<zone>.make.com)");
        if (!url->userinfo.empty())
            warning(
                "booking_events.webhook_url carries a user name or password; prefer "
                "booking_events.api_key");
    }
    if (config.api_key.empty())
        warning("booking_events.api_key is not set: requests carry no x-make-apikey header");
    const std::vector<std::string> secrets = split_secrets(config.signing_secret);
    if (config.signing_secret.empty()) {
        warning("booking_events.signing_secret is not set: requests are not signed");
    } else if (secrets.empty()) {
        error(
            "booking_events.signing_secret holds only white space: requests are not signed "
            "(empty it, or set a secret)");
    } else {
        for (const std::string &secret : secrets) {
            std::optional<std::string> key = signing_key_from_secret(secret);
            if (!key)
                error("booking_events.signing_secret has an invalid whsec_ secret");
            else if (key->size() < 24)
                warning("booking_events.signing_secret has a key shorter than 24 bytes");
        }
    }
}

std::optional<std::string> ca_file_problem(const std::string &path) {
    struct stat status {};
    if (stat(path.c_str(), &status) != 0) return std::string(std::strerror(errno));
    if (S_ISDIR(status.st_mode)) return std::string("it is a directory");
    if (access(path.c_str(), R_OK) != 0) return std::string(std::strerror(errno));
    return std::nullopt;
}

ConfigReport check_delivery_config(const DeliveryConfig &config) {
    ConfigReport report;
    auto error = [&](std::string text) { report.errors.push_back(std::move(text)); };
    auto warning = [&](std::string text) { report.warnings.push_back(std::move(text)); };

    // With other endpoints, an empty webhook_url only leaves `default` unused.
    if (config.check_default_target && !(config.webhook_url.empty() && config.has_other_endpoints))
        check_settings_receiver(config, report);
    if (!config.worker_loaded)
        error(
            "the delivery worker is not running: add booking_events to shared_preload_libraries "
            "and restart PostgreSQL");
    if (config.database_name != config.current_database)
        error("booking_events.database_name is \"" + config.database_name +
              "\": the worker does not deliver events queued in database \"" +
              config.current_database + "\"");
    if (config.database_name_pending_restart)
        warning(
            "booking_events.database_name was changed; the change takes effect at the next "
            "server restart (until then the worker serves \"" +
            config.database_name + "\")");
    if (!config.ca_file.empty() && !config.ca_file_problem.empty())
        error("booking_events.ca_file \"" + config.ca_file + "\" cannot be read (" +
              config.ca_file_problem + "): every https request fails");
    if (config.paused)
        warning("booking_events.paused is on: nothing is sent until it is turned off");
    if (config.backoff_base_ms > config.backoff_max_ms)
        error("booking_events.backoff_base_ms (" + std::to_string(config.backoff_base_ms) +
              ") is larger than booking_events.backoff_max_ms (" +
              std::to_string(config.backoff_max_ms) + ")");
    if (config.request_timeout_ms > config.backoff_max_ms)
        warning("booking_events.request_timeout_ms is longer than booking_events.backoff_max_ms");
    if (config.request_timeout_ms < 1000)
        warning(
            "booking_events.request_timeout_ms is under one second; slow receivers will time "
            "out");
    return report;
}

}  // namespace booking_events
