#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pulso::alerting::detail {

/// A parsed `http://host[:port][/path]` or `https://…` URL.
struct http_url {
    bool tls = false;        ///< https
    std::string host;        ///< without brackets for IPv6
    std::string port = "80"; ///< service for the resolver (443 for https)
    std::string host_header; ///< `host[:port]` as sent in `Host:`
    std::string target = "/";
};

/// Parses an http:// or https:// URL. Returns an empty string on success, else why it is
/// refused.
[[nodiscard]] std::string parse_http_url(std::string_view url, http_url& out);

/// A TLS client context that verifies the server: its certificate chain against `ca_file`
/// (PEM) or, when empty, the system's trust store (/etc/ssl/certs, Debian's ca-certificates),
/// and (in http_post) its name against the URL's host. Throws std::invalid_argument naming
/// the file when `ca_file` cannot be loaded.
[[nodiscard]] std::unique_ptr<boost::asio::ssl::context>
make_tls_context(const std::string& ca_file);

struct http_result {
    int status = 0;    ///< HTTP status, 0 when no response arrived
    std::string error; ///< transport error text when status == 0
};

/// POSTs `body` and waits for the response, all within `deadline`; `abort` is polled every
/// 50 ms and cuts the request short when it returns true. One connection per request
/// (alerts are rare; no keep-alive state to get wrong). An https URL needs `tls` (from
/// make_tls_context): SNI is sent, and the certificate must verify and name the URL's host
/// (a failure is a transport error, retried like one). Never throws.
/// @thread the caller owns `io` (one sender thread); `tls` may be shared (read only)
http_result http_post(boost::asio::io_context& io, const http_url& url,
                      boost::asio::ssl::context* tls, std::string_view content_type,
                      std::string_view body, std::chrono::steady_clock::time_point deadline,
                      const std::function<bool()>& abort) noexcept;

/// A tiny token bucket of one: allow() says yes at most once per interval and reports how many
/// calls it said no to since. Not thread-safe; each user owns one.
class rate_limiter {
  public:
    explicit rate_limiter(std::chrono::milliseconds interval) : interval_(interval) {}
    bool allow(std::uint64_t& suppressed) noexcept {
        const auto now = std::chrono::steady_clock::now();
        if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < interval_) {
            ++suppressed_;
            return false;
        }
        last_ = now;
        suppressed = suppressed_;
        suppressed_ = 0;
        return true;
    }

  private:
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

} // namespace pulso::alerting::detail
