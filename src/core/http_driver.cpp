#include "core/http_driver.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <strings.h>
#include <unordered_map>
#include <utility>

namespace booking_events {

namespace {

using Clock = std::chrono::steady_clock;

void initialise_curl_once() {
    // curl_global_init must run once per process, however many drivers (or
    // test fixtures) are created, and older libcurl builds do not make it
    // thread-safe themselves.
    static std::once_flag once;
    static CURLcode init_result = CURLE_OK;
    std::call_once(once, [] { init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (init_result != CURLE_OK)
        throw std::runtime_error(std::string("libcurl initialisation failed: ") +
                                 curl_easy_strerror(init_result));
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
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
    char error_buffer[CURL_ERROR_SIZE] = {};

    std::string retry_after;
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

constexpr std::string_view kRetryAfter = "Retry-After:";

std::size_t on_response_header(char *data, std::size_t size, std::size_t count, void *context) {
    auto *transfer = static_cast<Transfer *>(context);
    const std::size_t length = size * count;
    const std::string_view line(data, length);
    try {
        // A status line starts a new response: headers of an interim response
        // (100 Continue, 103 Early Hints) must not leak into the final one.
        if (starts_with_ignoring_case(line, "HTTP/")) {
            transfer->retry_after.clear();
        } else if (starts_with_ignoring_case(line, kRetryAfter)) {
            transfer->retry_after = std::string(trim(line.substr(kRetryAfter.size())));
        }
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

// libcurl's own messages may quote the URL; the parts that carry secrets
// (userinfo, query) are listed so such a message can be recognised.
std::vector<std::string> secret_url_parts(const std::string &url) {
    std::vector<std::string> parts;
    CURLU *parsed = curl_url();
    if (parsed == nullptr) return parts;
    if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
        for (CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY}) {
            for (unsigned int flags : {0u, static_cast<unsigned int>(CURLU_URLDECODE)}) {
                char *value = nullptr;
                if (curl_url_get(parsed, part, &value, flags) == CURLUE_OK && value != nullptr &&
                    value[0] != '\0')
                    parts.emplace_back(value);
                curl_free(value);
            }
        }
    }
    curl_url_cleanup(parsed);
    return parts;
}

// The TLS library's reason ("certificate has expired", "unable to get local
// issuer certificate") is what an operator needs, and it names at most the
// host. It is still dropped if it mentions any secret part of the URL.
std::string tls_detail(const Transfer &transfer) {
    const std::string detail(trim(transfer.error_buffer));
    if (detail.empty()) return detail;
    for (const std::string &secret : secret_url_parts(transfer.request.url))
        if (detail.find(secret) != std::string::npos) return std::string();
    return detail;
}

std::string with_detail(std::string text, const std::string &detail) {
    if (!detail.empty()) text += " (" + detail + ")";
    return text;
}

// Short texts built from the outcome alone rather than from libcurl's message,
// which may quote the URL, so credentials and query strings cannot leak into
// logs. Only TLS failures carry the TLS library's reason (see tls_detail).
std::string describe_failure(CURLcode code, const Transfer &transfer) {
    long request_bytes_sent = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_REQUEST_SIZE, &request_bytes_sent);
    long os_error = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_OS_ERRNO, &os_error);

    if (transfer.out_of_memory) return "out of memory";
    if (transfer.response_too_large || code == CURLE_FILESIZE_EXCEEDED)
        return "response body larger than " + std::to_string(transfer.max_response_bytes) +
               " bytes";
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            if (request_bytes_sent == 0 && transfer.connect_timeout_ms < transfer.timeout_ms)
                return "connect timed out after " + std::to_string(transfer.connect_timeout_ms) +
                       " ms";
            return "timed out after " + std::to_string(transfer.timeout_ms) + " ms";
        case CURLE_COULDNT_RESOLVE_HOST:
            return "could not resolve host";
        case CURLE_COULDNT_RESOLVE_PROXY:
            return "could not resolve proxy";
        case CURLE_COULDNT_CONNECT:
            switch (os_error) {
                case ECONNREFUSED:
                    return "connection refused";
                case ENETUNREACH:
                    return "network unreachable";
                case EHOSTUNREACH:
                    return "host unreachable";
                default:
                    return "could not connect";
            }
        case CURLE_UNSUPPORTED_PROTOCOL:
            // Also what libcurl reports for a reply that is not HTTP at all
            // (it refuses HTTP/0.9); only then was the request already sent.
            if (request_bytes_sent > 0) return "invalid HTTP response";
            return "unsupported URL scheme (only http and https are allowed)";
        case CURLE_URL_MALFORMAT:
            return "malformed URL";
        case CURLE_GOT_NOTHING:
            return "connection closed without a response";
        case CURLE_PARTIAL_FILE:
            return "connection closed before the response was complete";
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_BAD_CONTENT_ENCODING:
            return "invalid HTTP response";
        case CURLE_SEND_ERROR:
            return os_error == ECONNRESET || os_error == EPIPE
                       ? "connection reset while sending the request"
                       : "error sending the request";
        case CURLE_RECV_ERROR:
            return os_error == ECONNRESET ? "connection reset while receiving the response"
                                          : "error receiving the response";
        case CURLE_PEER_FAILED_VERIFICATION:
            return with_detail("TLS certificate verification failed", tls_detail(transfer));
        case CURLE_SSL_CONNECT_ERROR:
            return with_detail("TLS handshake failed", tls_detail(transfer));
        case CURLE_SSL_CACERT_BADFILE:
            return "could not load the CA certificate file";
        case CURLE_OUT_OF_MEMORY:
            return "out of memory";
        default:
            // curl_easy_strerror returns fixed texts that never quote the URL.
            return std::string("transfer failed: ") + curl_easy_strerror(code);
    }
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
        check(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, transfer.timeout_ms));
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
        check(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_buffer));
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
        if (code != CURLE_OK) result.error = describe_failure(code, transfer);
        result.retry_after = transfer.retry_after;
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
        int running = 0;
        const CURLMcode code = curl_multi_socket_action(multi, fd, event_mask, &running);
        collect_finished_transfers();
        if (callback_failure) std::rethrow_exception(std::exchange(callback_failure, nullptr));
        if (code == CURLM_OUT_OF_MEMORY) throw std::bad_alloc();
        // Other codes (e.g. a socket libcurl has just closed) concern no
        // transfer in particular; each transfer still ends by its own timeout.
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
    state_->options = std::move(options);
    state_->multi = curl_multi_init();
    if (state_->multi == nullptr)
        throw std::runtime_error("libcurl: could not create a multi handle");
    CURLM *multi = state_->multi;
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, State::on_socket_change) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, state_.get()) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, State::on_timer_change) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, state_.get()) != CURLM_OK)
        throw std::runtime_error("libcurl: could not set up the multi handle's callbacks");
}

HttpDriver::~HttpDriver() = default;

void HttpDriver::set_options(HttpDriverOptions options) { state_->options = std::move(options); }

void HttpDriver::submit(HttpRequest request) { state_->submit(std::move(request)); }

std::size_t HttpDriver::in_flight() const { return state_->transfers.size(); }

std::vector<HttpDriver::SocketWatch> HttpDriver::socket_watches() const {
    std::vector<SocketWatch> watches;
    watches.reserve(state_->watches.size());
    for (const auto &[fd, watch] : state_->watches) watches.push_back(watch);
    return watches;
}

long HttpDriver::timeout_ms() const {
    if (!state_->timer_due) return -1;
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(*state_->timer_due - Clock::now());
    return std::max<long>(0, static_cast<long>(remaining.count()));
}

void HttpDriver::on_socket_ready(int fd, bool readable, bool writable) {
    state_->socket_action(fd, (readable ? CURL_CSELECT_IN : 0) | (writable ? CURL_CSELECT_OUT : 0));
}

void HttpDriver::on_timeout() {
    // libcurl's timer is one-shot. On a timeout action libcurl announces its
    // next timer afresh, even one that is unchanged because it was called
    // early, so the spent timer is dropped first.
    state_->timer_due.reset();
    state_->socket_action(CURL_SOCKET_TIMEOUT, 0);
}

std::vector<HttpResult> HttpDriver::take_completed() {
    return std::exchange(state_->completed, {});
}

void HttpDriver::run_once(int max_wait_ms) {
    std::vector<pollfd> polled;
    for (const auto &[fd, watch] : state_->watches) {
        short events = 0;
        if (watch.want_read) events |= POLLIN;
        if (watch.want_write) events |= POLLOUT;
        polled.push_back(pollfd{fd, events, 0});
    }
    int wait_ms = std::max(0, max_wait_ms);
    const long timer_ms = timeout_ms();
    if (timer_ms >= 0 && timer_ms < wait_ms) wait_ms = static_cast<int>(timer_ms);

    const int ready = poll(polled.data(), polled.size(), wait_ms);
    if (ready > 0) {
        for (const pollfd &entry : polled) {
            if (entry.revents == 0 || (entry.revents & POLLNVAL) != 0) continue;
            // An earlier dispatch in this loop may have closed this socket.
            if (state_->watches.count(entry.fd) == 0) continue;
            // Errors and hang-ups are reported as readiness so that libcurl
            // reads the socket and finds out what happened.
            const bool broken = (entry.revents & (POLLERR | POLLHUP)) != 0;
            on_socket_ready(entry.fd, broken || (entry.revents & POLLIN) != 0,
                            broken || (entry.revents & POLLOUT) != 0);
        }
    }
    if (timeout_ms() == 0) on_timeout();
}

}  // namespace booking_events
