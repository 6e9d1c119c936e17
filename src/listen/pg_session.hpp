// One libpq connection of the listener. Every wait (connecting, a query,
// the idle wait for notifications) polls the connection's socket together
// with the stop-signal pipe, so SIGINT/SIGTERM end any of them at once.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <libpq-fe.h>

namespace booking_events::listen {

// The session cannot go on: connecting failed, the connection was lost, or
// a statement failed. The message says which; `sqlstate` is the server's
// code when a statement failed (empty otherwise).
class SessionError : public std::runtime_error {
  public:
    explicit SessionError(const std::string &message, std::string sqlstate = {})
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string &sqlstate() const { return sqlstate_; }

  private:
    std::string sqlstate_;
};

// SIGINT or SIGTERM arrived during a wait.
class StopRequested : public std::exception {
  public:
    const char *what() const noexcept override { return "stop requested"; }
};

struct ReceivedNotification {
    std::string channel;
    std::string payload;
};

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// Empty when libpq accepts `dsn` as a connection string, URI or database
// name; otherwise why not (a typo there is a bad argument, not an outage).
std::string dsn_error(const std::string &dsn);

class PgSession {
  public:
    // Connects with `dsn` (libpq's defaults when empty); the application
    // name is booking-events-listen unless the DSN sets one, the client
    // encoding is UTF8. Gives up after the DSN's connect_timeout (30 s when unset).
    explicit PgSession(const std::string &dsn);
    PgSession(const PgSession &) = delete;
    PgSession &operator=(const PgSession &) = delete;

    // Runs `sql` (several statements when there are no parameters) and
    // returns the rows of the last result. `what` names it in errors.
    Rows query(const std::string &what, const std::string &sql,
               const std::vector<std::optional<std::string>> &parameters = {});

    std::string quote_identifier(const std::string &identifier);

    // The notifications received so far (also those that arrived while a
    // query ran); waits for the server when there are none yet.
    std::vector<ReceivedNotification> wait_for_notifications();

    // "database app on /var/run/postgresql:5432 as listener"
    std::string description() const;
    std::string user() const;

  private:
    // Polls the socket for `events` and the stop pipe; returns the socket's
    // revents, 0 after `timeout_ms` (-1: no timeout).
    short wait_for_socket(short events, int timeout_ms);
    void consume_input();
    std::vector<ReceivedNotification> take_notifications();
    [[noreturn]] void fail(const std::string &what);
    PGconn *handle() const { return connection_.get(); }

    struct ConnectionCloser {
        void operator()(PGconn *connection) const { PQfinish(connection); }
    };
    std::unique_ptr<PGconn, ConnectionCloser> connection_;
    bool established_ = false;  // errors after this point are a lost connection
};

}  // namespace booking_events::listen
