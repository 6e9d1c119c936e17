#include "support/test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace booking_events::test_support {

std::optional<std::string> RecordedRequest::header(const std::string &name) const {
    for (const auto &[key, value] : headers)
        if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
    return std::nullopt;
}

Reply respond(int status, std::vector<std::string> headers, std::string body) {
    Reply reply;
    reply.status = status;
    reply.headers = std::move(headers);
    reply.body = std::move(body);
    return reply;
}

Reply raw_then_close(std::string bytes) {
    Reply reply;
    reply.kind = Reply::Kind::Raw;
    reply.raw = std::move(bytes);
    return reply;
}

Reply stall_forever() {
    Reply reply;
    reply.kind = Reply::Kind::Stall;
    return reply;
}

TestServer::TestServer(Handler handler, std::string sent_on_accept)
    : handler_(std::move(handler)), sent_on_accept_(std::move(sent_on_accept)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 ||
        listen(listener_, 128) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        throw std::runtime_error("could not listen");
    port_ = ntohs(address.sin_port);
    if (pipe(wake_pipe_) != 0) throw std::runtime_error("pipe failed");
    accept_thread_ = std::thread([this] { accept_loop(); });
}

TestServer::~TestServer() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        // Wakes connection threads blocked in recv or send.
        for (int fd : open_connections_) shutdown(fd, SHUT_RDWR);
    }
    stop_signal_.notify_all();
    const char wake = 'x';
    (void)!write(wake_pipe_[1], &wake, 1);
    accept_thread_.join();
    for (std::thread &thread : connection_threads_) thread.join();
    close(listener_);
    close(wake_pipe_[0]);
    close(wake_pipe_[1]);
}

void TestServer::accept_loop() {
    while (true) {
        pollfd waiting[2] = {{listener_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        if (poll(waiting, 2, -1) < 0) continue;
        if (waiting[1].revents != 0) return;
        const int connection = accept(listener_, nullptr, nullptr);
        if (connection < 0) continue;
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            close(connection);
            return;
        }
        ++connections_accepted_;
        open_connections_.insert(connection);
        connection_threads_.emplace_back([this, connection] { serve(connection); });
    }
}

bool TestServer::pause(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !stop_signal_.wait_for(lock, duration, [this] { return stopping_; });
}

void TestServer::stall() {
    std::unique_lock<std::mutex> lock(mutex_);
    stop_signal_.wait(lock, [this] { return stopping_; });
}

bool TestServer::send_all(int fd, const std::string &bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t count = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (count <= 0) return false;
        sent += static_cast<std::size_t>(count);
    }
    return true;
}

std::optional<RecordedRequest> TestServer::read_request(int fd, std::string &pending) {
    auto receive_more = [fd, &pending] {
        char chunk[65536];
        const ssize_t count = recv(fd, chunk, sizeof(chunk), 0);
        if (count <= 0) return false;
        pending.append(chunk, static_cast<std::size_t>(count));
        return true;
    };
    std::size_t head_end;
    while ((head_end = pending.find("\r\n\r\n")) == std::string::npos)
        if (!receive_more()) return std::nullopt;

    RecordedRequest request;
    const std::string head = pending.substr(0, head_end);
    pending.erase(0, head_end + 4);
    std::size_t line_start = 0;
    bool first_line = true;
    while (line_start <= head.size()) {
        std::size_t line_end = head.find("\r\n", line_start);
        if (line_end == std::string::npos) line_end = head.size();
        const std::string line = head.substr(line_start, line_end - line_start);
        line_start = line_end + 2;
        if (first_line) {
            first_line = false;
            const std::size_t space = line.find(' ');
            request.method = line.substr(0, space);
            request.target = line.substr(space + 1, line.rfind(' ') - space - 1);
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers.emplace_back(line.substr(0, colon), value);
    }
    const std::size_t body_length = std::stoul(request.header("Content-Length").value_or("0"));
    while (pending.size() < body_length)
        if (!receive_more()) return std::nullopt;
    request.body = pending.substr(0, body_length);
    pending.erase(0, body_length);
    return request;
}

bool TestServer::answer(int fd, const Reply &reply) {
    switch (reply.kind) {
        case Reply::Kind::Stall:
            stall();
            return false;
        case Reply::Kind::Raw:
            send_all(fd, reply.raw);
            if (reply.stall_after_raw) stall();
            return false;
        case Reply::Kind::HugeBody: {
            std::string head = "HTTP/1.1 200 OK\r\n";
            if (reply.declare_length)
                head += "Content-Length: " + std::to_string(reply.huge_bytes) + "\r\n";
            else
                head += "Connection: close\r\n";
            if (!send_all(fd, head + "\r\n")) return false;
            const std::string chunk(64 * 1024, 'x');
            for (std::size_t sent = 0; sent < reply.huge_bytes; sent += chunk.size()) {
                const std::size_t size = std::min(chunk.size(), reply.huge_bytes - sent);
                if (!send_all(fd, chunk.substr(0, size))) return false;
            }
            return false;
        }
        case Reply::Kind::Respond:
            break;
    }
    if (reply.delay.count() > 0 && !pause(reply.delay)) return false;
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Test\r\n";
    for (const std::string &line : reply.headers) response += line + "\r\n";
    response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
    response += reply.body;
    return send_all(fd, response);
}

void TestServer::serve(int fd) {
    if (!sent_on_accept_.empty()) {
        send_all(fd, sent_on_accept_);
    } else {
        std::string pending;
        while (std::optional<RecordedRequest> request = read_request(fd, pending)) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                requests_.push_back(*request);
            }
            if (!answer(fd, handler_(*request))) break;
        }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    open_connections_.erase(fd);
    close(fd);
}

RefusingPort::RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        throw std::runtime_error("could not reserve a port");
    port_ = ntohs(address.sin_port);
}

RefusingPort::~RefusingPort() { close(fd_); }

}  // namespace booking_events::test_support
