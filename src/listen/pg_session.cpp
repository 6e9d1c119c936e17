#include "listen/pg_session.hpp"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <poll.h>

#include "listen/console.hpp"
#include "listen/stop_signal.hpp"

namespace booking_events::listen {

namespace {

constexpr int kDefaultConnectTimeoutSeconds = 30;

// libpq's messages end in a newline and continue on indented lines: one
// line for stderr.
std::string one_line(const char *message) {
    std::string line;
    bool space = false;
    for (const char *c = message; c != nullptr && *c != '\0'; ++c) {
        if (std::isspace(static_cast<unsigned char>(*c))) {
            space = !line.empty();
            continue;
        }
        if (space) line += ' ';
        space = false;
        line += *c;
    }
    return line.empty() ? "unknown error" : line;
}

bool looks_like_conninfo(const std::string &dsn) {
    return dsn.find('=') != std::string::npos || dsn.rfind("postgresql://", 0) == 0 ||
           dsn.rfind("postgres://", 0) == 0;
}

struct ResultDeleter {
    void operator()(PGresult *result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Notices, and the FATAL a server sends before it closes an idle
// connection, go to stderr like the other status messages.
void report_server_message(void *, const char *message) {
    print_status("server: " + one_line(message));
}

int connect_timeout_seconds(PGconn *connection) {
    PQconninfoOption *options = PQconninfo(connection);
    int seconds = kDefaultConnectTimeoutSeconds;
    for (PQconninfoOption *option = options; option && option->keyword; ++option) {
        if (std::strcmp(option->keyword, "connect_timeout") == 0 && option->val &&
            std::atoi(option->val) > 0)
            seconds = std::atoi(option->val);
    }
    PQconninfoFree(options);
    return seconds;
}

}  // namespace

std::string dsn_error(const std::string &dsn) {
    if (!looks_like_conninfo(dsn)) return "";  // a database name
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.c_str(), &error);
    if (options != nullptr) {
        PQconninfoFree(options);
        return "";
    }
    std::string message = error ? one_line(error) : "out of memory";
    PQfreemem(error);
    return message;
}

PgSession::PgSession(const std::string &dsn) {
    // Entries before dbname are defaults the DSN may override. The
    // application name is one of them, rather than a fallback that PGAPPNAME
    // would replace, so that booking_events_listeners counts the listener
    // unless the DSN names it otherwise. client_encoding after dbname is
    // kept: the output is UTF-8 JSON. Keepalives notice a peer that vanished
    // while the connection sat idle.
    const char *keywords[] = {"application_name",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "dbname",
                              "client_encoding",
                              nullptr};
    const char *values[] = {"booking-events-listen",
                            "30",
                            "10",
                            "3",
                            dsn.empty() ? nullptr : dsn.c_str(),
                            "UTF8",
                            nullptr};
    connection_.reset(PQconnectStartParams(keywords, values, 1));
    if (!connection_) throw SessionError("cannot connect: out of memory");
    if (PQstatus(handle()) == CONNECTION_BAD) fail("cannot connect");

    // libpq leaves the timeout to the caller of the non-blocking API.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(connect_timeout_seconds(handle()));
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK) {
        if (state == PGRES_POLLING_FAILED) fail("cannot connect");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || wait_for_socket(state == PGRES_POLLING_READING ? POLLIN : POLLOUT,
                                                 static_cast<int>(left.count())) == 0)
            throw SessionError("cannot connect: timeout after " +
                               std::to_string(connect_timeout_seconds(handle())) + " s");
        state = PQconnectPoll(handle());
    }
    if (PQsetnonblocking(handle(), 1) != 0) fail("cannot connect");
    PQsetNoticeProcessor(handle(), report_server_message, nullptr);
    established_ = true;
    // A SQL_ASCII database declares no encoding: its text need not be UTF-8,
    // and the server's conversion to UTF8 failed a whole replay on one bad
    // byte an application wrote (every listener stuck), or ended the
    // connection on a NOTIFY any role may send. Its bytes are taken as they
    // are; the listener makes them UTF-8 (with_invalid_utf8_replaced).
    const char *encoding = PQparameterStatus(handle(), "server_encoding");
    if (encoding != nullptr && std::strcmp(encoding, "SQL_ASCII") == 0)
        query("SET client_encoding", "SET client_encoding = 'SQL_ASCII'");
}

void PgSession::fail(const std::string &what) {
    const bool lost = established_ && PQstatus(handle()) == CONNECTION_BAD;
    throw SessionError((lost ? "connection lost" : what) + ": " +
                       one_line(PQerrorMessage(handle())));
}

short PgSession::wait_for_socket(short events, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (stop_requested()) throw StopRequested();
        pollfd fds[2] = {{PQsocket(handle()), events, 0}, {stop_signal_fd(), POLLIN, 0}};
        if (fds[0].fd < 0) throw SessionError("connection lost: no socket");
        int wait_ms = timeout_ms;
        if (timeout_ms >= 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            wait_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
        }
        const int ready = poll(fds, 2, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw SessionError(std::string("poll failed: ") + std::strerror(errno));
        }
        if (fds[1].revents != 0 || stop_requested()) throw StopRequested();
        if (ready == 0) return 0;
        // POLLHUP and POLLERR are reported whatever was asked: libpq reads
        // the error or the end of the stream and says what happened.
        return fds[0].revents;
    }
}

void PgSession::consume_input() {
    if (PQconsumeInput(handle()) == 0 || PQstatus(handle()) == CONNECTION_BAD)
        fail("connection lost");
}

Rows PgSession::query(const std::string &what, const std::string &sql,
                      const std::vector<std::optional<std::string>> &parameters) {
    int sent = 0;
    if (parameters.empty()) {
        sent = PQsendQuery(handle(), sql.c_str());
    } else {
        std::vector<const char *> values;
        for (const auto &parameter : parameters)
            values.push_back(parameter ? parameter->c_str() : nullptr);
        sent = PQsendQueryParams(handle(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    }
    if (sent == 0) fail(what + " failed");
    for (int flushed = PQflush(handle()); flushed != 0; flushed = PQflush(handle())) {
        if (flushed < 0) fail(what + " failed");
        if (wait_for_socket(POLLIN | POLLOUT, -1) & POLLIN) consume_input();
    }
    while (PQisBusy(handle())) {
        wait_for_socket(POLLIN, -1);
        consume_input();
    }

    Rows rows;
    std::string error;
    std::string sqlstate;
    for (Result result(PQgetResult(handle())); result; result.reset(PQgetResult(handle()))) {
        const ExecStatusType status = PQresultStatus(result.get());
        if (status == PGRES_TUPLES_OK) {
            rows.clear();
            for (int row = 0; row < PQntuples(result.get()); ++row) {
                std::vector<std::optional<std::string>> values;
                for (int column = 0; column < PQnfields(result.get()); ++column) {
                    if (PQgetisnull(result.get(), row, column))
                        values.emplace_back(std::nullopt);
                    else
                        values.emplace_back(std::string(PQgetvalue(result.get(), row, column),
                                                        PQgetlength(result.get(), row, column)));
                }
                rows.push_back(std::move(values));
            }
        } else if (status != PGRES_COMMAND_OK && error.empty()) {
            error = one_line(PQresultErrorMessage(result.get()));
            const char *code = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
            sqlstate = code ? code : "";
        }
    }
    if (PQstatus(handle()) == CONNECTION_BAD) fail("connection lost");
    if (!error.empty()) throw SessionError(what + " failed: " + error, sqlstate);
    return rows;
}

std::string PgSession::quote_identifier(const std::string &identifier) {
    char *quoted = PQescapeIdentifier(handle(), identifier.c_str(), identifier.size());
    if (quoted == nullptr) fail("quoting \"" + identifier + "\"");
    std::string result = quoted;
    PQfreemem(quoted);
    return result;
}

std::vector<ReceivedNotification> PgSession::take_notifications() {
    std::vector<ReceivedNotification> received;
    while (PGnotify *notify = PQnotifies(handle())) {
        received.push_back({notify->relname, notify->extra});
        PQfreemem(notify);
    }
    return received;
}

std::vector<ReceivedNotification> PgSession::wait_for_notifications() {
    std::vector<ReceivedNotification> received = take_notifications();
    while (received.empty()) {
        wait_for_socket(POLLIN, -1);
        consume_input();
        received = take_notifications();
    }
    return received;
}

std::string PgSession::user() const { return PQuser(handle()); }

std::string PgSession::description() const {
    const char *host = PQhost(handle());
    const char *port = PQport(handle());
    return std::string("database ") + PQdb(handle()) + " on " + (host ? host : "?") + ":" +
           (port ? port : "?") + " as " + PQuser(handle());
}

}  // namespace booking_events::listen
