#include "core/http_driver.hpp"
#include "core/http_failure.hpp"
#include "core/response_headers.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace booking_events {

namespace {

using Clock = std::chrono::steady_clock;

void initialise_curl_once() {
    // curl_global_init must run once per process, however many drivers (or test
    // fixtures) are made; older libcurl builds do not make it thread-safe.
    static std::once_flag once;
    static CURLcode init_result = CURLE_OK;
    std::call_once(once, [] { init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (init_result != CURLE_OK)
        throw std::runtime_error(std::string("libcurl initialisation failed: ") +
                                 curl_easy_strerror(init_result));
}

// Everything one transfer needs while libcurl runs it. Its address is handed
// to libcurl's callbacks, so it lives behind a unique_ptr and never moves.
struct Transfer {
    HttpRequest request;
    long timeout_ms = 0;
    long connect_timeout_ms = 0;
    std::size_t max_body_excerpt = 0;
    std::size_t max_response_bytes = 0;

    CURL *easy = nullptr;
    curl_slist *header_list = nullptr;

    // When the driver first ran the transfer: the whole-request timeout
    // counts from here (see expire_overdue_transfers).
    std::optional<Clock::time_point> started;

    ResponseHeaders headers;
    std::string body_excerpt;
    std::size_t response_bytes = 0;
    bool response_too_large = false;
    bool out_of_memory = false;

    Transfer() = default;
    Transfer(const Transfer &) = delete;
    Transfer &operator=(const Transfer &) = delete;
    ~Transfer() {
        if (easy != nullptr) curl_easy_cleanup(easy);
        curl_slist_free_all(header_list);
    }
};

std::size_t on_response_header(char *data, std::size_t size, std::size_t count, void *context) {
    auto *transfer = static_cast<Transfer *>(context);
    const std::size_t length = size * count;
    try {
        transfer->headers.read_line(std::string_view(data, length));
    } catch (...) {
        transfer->out_of_memory = true;
        return 0;  // anything but `length` aborts the transfer
    }
    return length;
}

std::size_t on_response_body(char *data, std::size_t size, std::size_t count, void *context) {
    auto *transfer = static_cast<Transfer *>(context);
    const std::size_t length = size * count;
    transfer->response_bytes += length;
    if (transfer->response_bytes > transfer->max_response_bytes) {
        transfer->response_too_large = true;
        return 0;
    }
    const std::size_t room = transfer->max_body_excerpt - transfer->body_excerpt.size();
    try {
        transfer->body_excerpt.append(data, std::min(room, length));
    } catch (...) {
        transfer->out_of_memory = true;
        return 0;
    }
    return length;
}

}  // namespace

struct HttpDriver::State {
    HttpDriverOptions options;
    CURLM *multi = nullptr;
    std::unordered_map<CURL *, std::unique_ptr<Transfer>> transfers;
    std::map<int, SocketWatch> watches;
    std::optional<Clock::time_point> timer_due;
    std::vector<HttpResult> completed;
    // A callback called from C cannot let an exception through libcurl's
    // frames; it parks it here and the public method rethrows it afterwards.
    std::exception_ptr callback_failure;

    static int on_socket_change(CURL *, curl_socket_t fd, int what, void *context, void *) {
        auto *state = static_cast<State *>(context);
        try {
            if (what == CURL_POLL_REMOVE) {
                state->watches.erase(fd);
            } else {
                state->watches[fd] =
                    SocketWatch{fd, what == CURL_POLL_IN || what == CURL_POLL_INOUT,
                                what == CURL_POLL_OUT || what == CURL_POLL_INOUT};
            }
        } catch (...) {
            // Not -1: that would make libcurl declare the whole multi handle
            // dead. The unwatched transfer still ends by its own timeout.
            state->callback_failure = std::current_exception();
        }
        return 0;
    }

    static int on_timer_change(CURLM *, long timeout_ms, void *context) {
        auto *state = static_cast<State *>(context);
        if (timeout_ms < 0)
            state->timer_due.reset();
        else
            state->timer_due = Clock::now() + std::chrono::milliseconds(timeout_ms);
        return 0;
    }

    void fail_without_transfer(const HttpRequest &request, std::string error) {
        HttpResult result;
        result.tag = request.tag;
        result.error = std::move(error);
        completed.push_back(std::move(result));
    }

    // Returns the first option libcurl refused, CURLE_OK when all were taken.
    CURLcode configure(Transfer &transfer) {
        CURL *easy = transfer.easy;
        const HttpRequest &request = transfer.request;
        CURLcode first_error = CURLE_OK;
        auto check = [&first_error](CURLcode code) {
            if (first_error == CURLE_OK) first_error = code;
        };
        check(curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str()));
        // Only the web: no file://, ftp://, smtp:// or other schemes a
        // misconfigured URL could reach.
#if LIBCURL_VERSION_NUM >= 0x075500
        check(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
        check(curl_easy_setopt(easy, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        check(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
        // Signals belong to PostgreSQL; libcurl must not install handlers.
        check(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
        check(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
        check(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
        if (!options.ca_file.empty())
            check(curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str()));
        if (!options.user_agent.empty())
            check(curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str()));
        // No CURLOPT_TIMEOUT_MS: libcurl would count time in which the
        // caller did not drive it (the worker waiting on a lock) and call an
        // answer already in the socket a timeout. The driver enforces the
        // whole-request timeout itself, after reading what has arrived.
        check(curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, transfer.connect_timeout_ms));

        // POSTFIELDS does not copy: the body stays in `transfer.request`,
        // whose address is stable, and its explicit size keeps NUL bytes.
        check(curl_easy_setopt(easy, CURLOPT_POST, 1L));
        check(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                               static_cast<curl_off_t>(request.body.size())));
        check(curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data()));

        // An empty "Expect:" stops libcurl from waiting for 100 Continue
        // before sending a large body; receivers seldom answer it.
        for (const std::string &line : request.headers) {
            curl_slist *grown = curl_slist_append(transfer.header_list, line.c_str());
            if (grown == nullptr) throw std::bad_alloc();
            transfer.header_list = grown;
        }
        curl_slist *grown = curl_slist_append(transfer.header_list, "Expect:");
        if (grown == nullptr) throw std::bad_alloc();
        transfer.header_list = grown;
        check(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.header_list));

        check(curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_response_header));
        check(curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer));
        check(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_response_body));
        check(curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer));
        // Lets libcurl refuse a declared Content-Length that is too large
        // before reading any of it; the write callback covers the rest.
        check(curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                               static_cast<curl_off_t>(transfer.max_response_bytes)));
        return first_error;
    }

    void submit(HttpRequest request) {
        auto transfer = std::make_unique<Transfer>();
        // libcurl reads 0 as "no timeout"; every request must have one.
        transfer->timeout_ms = std::max(1L, request.timeout_ms);
        transfer->connect_timeout_ms =
            std::clamp(request.connect_timeout_ms, 1L, transfer->timeout_ms);
        transfer->max_body_excerpt = options.max_body_excerpt;
        transfer->max_response_bytes = options.max_response_bytes;
        transfer->request = std::move(request);

        transfer->easy = curl_easy_init();
        if (transfer->easy == nullptr) {
            fail_without_transfer(transfer->request, "could not create a transfer");
            return;
        }
        const CURLcode configured = configure(*transfer);
        if (configured != CURLE_OK) {
            fail_without_transfer(transfer->request, std::string("could not set up the request: ") +
                                                         curl_easy_strerror(configured));
            return;
        }
        CURL *easy = transfer->easy;
        Transfer &added = *transfers.emplace(easy, std::move(transfer)).first->second;
        const CURLMcode code = curl_multi_add_handle(multi, easy);
        if (code != CURLM_OK) {
            fail_without_transfer(added.request, std::string("could not start the request: ") +
                                                     curl_multi_strerror(code));
            transfers.erase(easy);
        }
    }

    HttpResult result_of(CURLcode code, const Transfer &transfer) {
        HttpResult result;
        result.tag = transfer.request.tag;
        curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &result.http_status);
        curl_off_t total_time_us = 0;
        curl_easy_getinfo(transfer.easy, CURLINFO_TOTAL_TIME_T, &total_time_us);
        result.response_time_ms = static_cast<double>(total_time_us) / 1000.0;
        result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
        if (code != CURLE_OK)
            result.error = describe_failure(
                code,
                FailedTransfer{transfer.easy, transfer.timeout_ms, transfer.connect_timeout_ms,
                               transfer.max_response_bytes, transfer.headers.declared_length,
                               transfer.response_too_large, transfer.out_of_memory});
        result.retry_after = transfer.headers.retry_after;
        result.body_excerpt = transfer.body_excerpt;
        return result;
    }

    void collect_finished_transfers() {
        int messages_left = 0;
        while (CURLMsg *message = curl_multi_info_read(multi, &messages_left)) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL *easy = message->easy_handle;
            const CURLcode code = message->data.result;
            auto found = transfers.find(easy);
            if (found == transfers.end()) continue;
            // Everything that may throw happens before the transfer is
            // dropped, so an allocation failure loses no result.
            completed.push_back(result_of(code, *found->second));
            curl_multi_remove_handle(multi, easy);
            transfers.erase(found);
        }
    }

    void socket_action(curl_socket_t fd, int event_mask) {
        const Clock::time_point now = Clock::now();
        for (auto &entry : transfers)
            if (!entry.second->started) entry.second->started = now;
        int running = 0;
        const CURLMcode code = curl_multi_socket_action(multi, fd, event_mask, &running);
        collect_finished_transfers();
        if (callback_failure) std::rethrow_exception(std::exchange(callback_failure, nullptr));
        if (code == CURLM_OUT_OF_MEMORY) throw std::bad_alloc();
        // Other codes (e.g. a socket libcurl has just closed) concern no
        // transfer in particular; each transfer still ends by its own timeout.
    }

    std::optional<Clock::time_point> earliest_deadline() const {
        std::optional<Clock::time_point> earliest;
        for (const auto &entry : transfers) {
            const Transfer &transfer = *entry.second;
            if (!transfer.started) continue;
            const Clock::time_point deadline =
                *transfer.started + std::chrono::milliseconds(transfer.timeout_ms);
            if (!earliest || deadline < *earliest) earliest = deadline;
        }
        return earliest;
    }

    // Ends the transfers whose whole-request time is over. Called only after
    // the sockets were read, so an answer that arrived while the caller was
    // busy elsewhere completes its transfer instead of timing it out.
    void expire_overdue_transfers() {
        const Clock::time_point now = Clock::now();
        for (auto it = transfers.begin(); it != transfers.end();) {
            Transfer &transfer = *it->second;
            const auto elapsed = transfer.started ? now - *transfer.started : Clock::duration{};
            if (!transfer.started || elapsed < std::chrono::milliseconds(transfer.timeout_ms)) {
                ++it;
                continue;
            }
            HttpResult result;
            result.tag = transfer.request.tag;
            curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &result.http_status);
            result.timed_out = true;
            result.error = "timed out after " + std::to_string(transfer.timeout_ms) + " ms";
            result.response_time_ms = std::chrono::duration<double, std::milli>(elapsed).count();
            result.retry_after = transfer.headers.retry_after;
            result.body_excerpt = transfer.body_excerpt;
            completed.push_back(std::move(result));
            curl_multi_remove_handle(multi, it->first);
            it = transfers.erase(it);
        }
    }

    // Waits at most wait_ms for libcurl's sockets and hands what is ready to libcurl.
    void dispatch_ready_sockets(int wait_ms, HttpDriver &driver) {
        std::vector<pollfd> polled;
        for (const auto &[fd, watch] : watches) {
            short events = 0;
            if (watch.want_read) events |= POLLIN;
            if (watch.want_write) events |= POLLOUT;
            polled.push_back(pollfd{fd, events, 0});
        }
        if (polled.empty() && wait_ms == 0) return;
        if (poll(polled.data(), polled.size(), wait_ms) <= 0) return;
        for (const pollfd &entry : polled) {
            if (entry.revents == 0 || (entry.revents & POLLNVAL) != 0) continue;
            // An earlier dispatch in this loop may have closed this socket.
            if (watches.count(entry.fd) == 0) continue;
            // Errors and hang-ups are reported as readiness so that libcurl
            // reads the socket and finds out what happened.
            const bool broken = (entry.revents & (POLLERR | POLLHUP)) != 0;
            driver.on_socket_ready(entry.fd, broken || (entry.revents & POLLIN) != 0,
                                   broken || (entry.revents & POLLOUT) != 0);
        }
    }

    ~State() {
        for (auto &[easy, transfer] : transfers) curl_multi_remove_handle(multi, easy);
        transfers.clear();
        // Closes the connections kept alive in the multi handle's cache.
        if (multi != nullptr) curl_multi_cleanup(multi);
    }
};

HttpDriver::HttpDriver(HttpDriverOptions options) : state_(std::make_unique<State>()) {
    initialise_curl_once();
    state_->multi = curl_multi_init();
    if (state_->multi == nullptr)
        throw std::runtime_error("libcurl: could not create a multi handle");
    CURLM *multi = state_->multi;
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, State::on_socket_change) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, state_.get()) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, State::on_timer_change) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, state_.get()) != CURLM_OK)
        throw std::runtime_error("libcurl: could not set up the multi handle's callbacks");
    set_options(std::move(options));
}

HttpDriver::~HttpDriver() = default;

void HttpDriver::set_options(HttpDriverOptions options) {
    const long kept = options.kept_connections;
    if (curl_multi_setopt(state_->multi, CURLMOPT_MAXCONNECTS, kept) != CURLM_OK)
        throw std::runtime_error("libcurl: could not set how many connections to keep");
    state_->options = std::move(options);
}

void HttpDriver::submit(HttpRequest request) { state_->submit(std::move(request)); }

std::size_t HttpDriver::in_flight() const { return state_->transfers.size(); }

std::vector<HttpDriver::SocketWatch> HttpDriver::socket_watches() const {
    std::vector<SocketWatch> watches;
    watches.reserve(state_->watches.size());
    for (const auto &[fd, watch] : state_->watches) watches.push_back(watch);
    return watches;
}

long HttpDriver::timeout_ms() const {
    std::optional<Clock::time_point> due = state_->timer_due;
    const std::optional<Clock::time_point> deadline = state_->earliest_deadline();
    if (deadline && (!due || *deadline < *due)) due = deadline;
    if (!due) return -1;
    const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(*due - Clock::now());
    return std::max<long>(0, static_cast<long>(remaining.count()));
}

void HttpDriver::on_socket_ready(int fd, bool readable, bool writable) {
    state_->socket_action(fd, (readable ? CURL_CSELECT_IN : 0) | (writable ? CURL_CSELECT_OUT : 0));
}

void HttpDriver::on_timeout() {
    // Whatever arrived while the caller was away is read first.
    state_->dispatch_ready_sockets(0, *this);
    // libcurl's timer is one-shot. On a timeout action libcurl announces its
    // next timer afresh, even one that is unchanged because it was called
    // early, so the spent timer is dropped first.
    state_->timer_due.reset();
    state_->socket_action(CURL_SOCKET_TIMEOUT, 0);
    state_->expire_overdue_transfers();
}

std::vector<HttpResult> HttpDriver::take_completed() {
    return std::exchange(state_->completed, {});
}

void HttpDriver::run_once(int max_wait_ms) {
    int wait_ms = std::max(0, max_wait_ms);
    const long timer_ms = timeout_ms();
    if (timer_ms >= 0 && timer_ms < wait_ms) wait_ms = static_cast<int>(timer_ms);
    state_->dispatch_ready_sockets(wait_ms, *this);
    if (timeout_ms() == 0) on_timeout();
}

}  // namespace booking_events
