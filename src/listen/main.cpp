// booking-events-listen: follows booking events in real time (see --help).
// Reads the arguments, then connects, catches up and follows, and after a
// lost connection reconnects with exponential backoff until SIGINT/SIGTERM.
// A problem only a DBA can fix (the extension missing, a grant missing)
// ends it with a message that names it.
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include <poll.h>

#include "core/backoff.hpp"
#include "listen/console.hpp"
#include "listen/listener.hpp"
#include "listen/options.hpp"
#include "listen/pg_session.hpp"
#include "listen/setup_problem.hpp"
#include "listen/state_file.hpp"
#include "listen/stop_signal.hpp"
#include "listen/subscription.hpp"
#include "core/version.hpp"

namespace {

using namespace booking_events;
using namespace booking_events::listen;

constexpr int kBadArguments = 2;

// 0.5 s doubling to 30 s, jittered: quick after a blip, gentle on a server
// that is down, and a fleet of listeners does not reconnect in step.
constexpr BackoffPolicy kReconnectBackoff{500, 30000};

// False when a stop was requested before `delay_ms` passed.
bool sleep_unless_stopped(std::int64_t delay_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    for (;;) {
        if (stop_requested()) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        pollfd stop = {stop_signal_fd(), POLLIN, 0};
        if (poll(&stop, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return true;
    }
}

std::string seconds_text(std::int64_t milliseconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(milliseconds) / 1000.0);
    return text;
}

int bad_arguments(const std::string &message) {
    std::fprintf(stderr,
                 "booking-events-listen: %s\nTry 'booking-events-listen --help' for more "
                 "information.\n",
                 message.c_str());
    return kBadArguments;
}

// `resumed_extension_oid`: from the state file, see Listener.
int run(const ListenOptions &options, const std::string &resumed_extension_oid) {
    const Subscription subscription = plan_subscription(options.filters);
    for (const std::string &warning : subscription.warnings) print_status("warning: " + warning);
    install_stop_signal_handlers();

    Listener listener(options, subscription, resumed_extension_oid);
    std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    int failures = 0;
    while (!stop_requested()) {
        bool connected = false;
        try {
            PgSession session(options.dsn);
            connected = true;
            print_status("connected to " + session.description());
            listener.catch_up(session);
            failures = 0;
            listener.follow(session);
        } catch (const StopRequested &) {
            break;
        } catch (const SetupProblem &problem) {
            print_status("error: " + std::string(problem.what()));
            return kSetupProblemExit;
        } catch (const SessionError &error) {
            if (const auto problem = listener.setup_problem(error)) {
                print_status("error: " + *problem);
                return kSetupProblemExit;
            }
            const std::int64_t delay =
                backoff_delay_ms(kReconnectBackoff, ++failures, unit(random));
            print_status(std::string(error.what()) +
                         (connected ? "; reconnecting in " : "; retrying in ") +
                         seconds_text(delay));
            if (!sleep_unless_stopped(delay)) break;
        }
    }
    listener.save_state();
    const std::string resume = std::to_string(listener.resume_id());
    print_status(std::string("stopped by ") +
                 (stop_signal_number() == SIGINT ? "SIGINT" : "SIGTERM") +
                 "; resume with --since " + resume);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    const ParsedOptions parsed =
        parse_listen_options(std::vector<std::string>(argv + 1, argv + argc));
    hide_dsn_arguments(argc, argv);
    if (!parsed.options) return bad_arguments(parsed.error);
    const ListenOptions &options = *parsed.options;
    if (options.show_help) {
        std::fputs(listen_usage().c_str(), stdout);
        return 0;
    }
    if (options.show_version) {
        std::printf("booking-events-listen %s\n", kExtensionVersion);
        return 0;
    }
    if (const std::string error = dsn_error(options.dsn); !error.empty())
        return bad_arguments("invalid --dsn: " + error);
    // A state file that cannot be read is a bad argument: starting from
    // "now" instead would silently skip what happened while it was down.
    ListenOptions effective = options;
    std::string resumed_extension_oid;
    try {
        if (!options.state_file.empty() && !options.since) {
            if (const std::optional<ListenerState> state = read_state_file(options.state_file)) {
                effective.since = state->outbox_id;
                resumed_extension_oid = state->extension_oid;
                print_status("resuming after outbox id " + std::to_string(state->outbox_id) +
                             " from " + options.state_file);
            }
        }
    } catch (const StateFileError &error) {
        return bad_arguments(error.what());
    }
    try {
        return run(effective, resumed_extension_oid);
    } catch (const std::exception &error) {
        print_status(std::string("fatal: ") + error.what());
        return 1;
    }
}
