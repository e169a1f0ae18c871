#pragma once

// A deliberately dumb HTTP/1.1 client over blocking POSIX sockets: tests need to send
// malformed, truncated and oversized requests that a real client library would refuse to send.

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace pulso::http::test {

/// An owned socket fd.
class socket_fd {
  public:
    socket_fd() = default;
    explicit socket_fd(int fd) : fd_(fd) {}
    socket_fd(socket_fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    socket_fd& operator=(socket_fd&& o) noexcept {
        reset();
        fd_ = o.fd_;
        o.fd_ = -1;
        return *this;
    }
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    ~socket_fd() { reset(); }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

/// Connects to 127.0.0.1:port. `rcvbuf` > 0 shrinks the receive buffer (slow-client tests).
inline socket_fd connect_to(std::uint16_t port, int rcvbuf = 0) {
    socket_fd s(::socket(AF_INET, SOCK_STREAM, 0));
    if (!s.valid()) {
        return s;
    }
    if (rcvbuf > 0) {
        ::setsockopt(s.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        s.reset();
    }
    return s;
}

inline bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Reads what arrives within `timeout` (stops at EOF, error or the deadline). Returns the bytes
/// and sets `eof` when the peer closed.
inline std::string read_for(int fd, std::chrono::milliseconds timeout, bool* eof = nullptr,
                            std::size_t stop_after = std::string::npos) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (eof != nullptr) {
        *eof = false;
    }
    char buf[8192];
    while (out.size() < stop_after) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r <= 0) {
            break;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (eof != nullptr) {
                *eof = true;
            }
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

struct reply {
    int status = 0;
    std::string head; ///< status line and headers
    std::string body;
    [[nodiscard]] std::string header(std::string_view name) const {
        // Case-insensitive search for "\r\nName:".
        std::string lower_head = head;
        std::string lower_name(name);
        for (auto& c : lower_head) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        for (auto& c : lower_name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const auto at = lower_head.find("\r\n" + lower_name + ":");
        if (at == std::string::npos) {
            return {};
        }
        auto start = at + 3 + lower_name.size();
        while (start < head.size() && head[start] == ' ') {
            ++start;
        }
        const auto end = head.find("\r\n", start);
        return head.substr(start, end - start);
    }
};

/// Parses one response (Content-Length or read-to-EOF bodies) out of `raw`.
inline std::optional<reply> parse_reply(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos) {
        return std::nullopt;
    }
    reply r;
    r.status = std::atoi(raw.c_str() + 9);
    r.head = raw.substr(0, end);
    r.body = raw.substr(end + 4);
    const std::string cl = r.header("content-length");
    if (!cl.empty()) {
        const auto n = static_cast<std::size_t>(std::stoull(cl));
        if (r.body.size() < n) {
            return std::nullopt;
        }
        r.body.resize(n);
    }
    return r;
}

/// Reads one full response from `fd` (waits up to `timeout`).
inline std::optional<reply> read_reply(int fd, std::chrono::milliseconds timeout) {
    std::string raw;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    for (;;) {
        if (auto r = parse_reply(raw); r && (!r->header("content-length").empty())) {
            return r;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return std::nullopt;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return parse_reply(raw); // EOF: a body delimited by the close
        }
        raw.append(buf, static_cast<std::size_t>(n));
    }
}

/// One request on a fresh connection (`Connection: close`).
inline std::optional<reply> request(std::uint16_t port, std::string_view method,
                                    std::string_view target, std::string_view body = {},
                                    std::string_view extra_headers = {},
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    socket_fd s = connect_to(port);
    if (!s.valid()) {
        return std::nullopt;
    }
    std::string req;
    req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    req.append("Connection: close\r\n").append(extra_headers);
    if (!body.empty() || method == "POST") {
        req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    req.append("\r\n").append(body);
    if (!send_all(s.get(), req)) {
        return std::nullopt;
    }
    return read_reply(s.get(), timeout);
}

} // namespace pulso::http::test
