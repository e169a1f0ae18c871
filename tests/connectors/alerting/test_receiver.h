#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pulso::alerting::test {

/// A tiny HTTP/1.1 receiver on 127.0.0.1:<ephemeral> for the sink tests: records every request,
/// answers with scripted statuses (then 200), and can hold requests until released.
/// @thread any (its own accept thread handles one connection at a time)
class test_receiver {
  public:
    struct request {
        std::string method;
        std::string target;
        std::string content_type;
        std::string body;
        std::chrono::steady_clock::time_point at;
    };

    explicit test_receiver(std::vector<int> statuses = {});
    /// An https receiver serving `cert_file` (PEM chain) with `key_file`.
    test_receiver(const std::string& cert_file, const std::string& key_file);
    ~test_receiver();
    test_receiver(const test_receiver&) = delete;
    test_receiver& operator=(const test_receiver&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// `http://127.0.0.1:PORT` + path (`https://` for a TLS receiver), or with another host.
    [[nodiscard]] std::string url(const std::string& path = "",
                                  const std::string& host = "127.0.0.1") const;
    /// TLS handshakes that failed (e.g. the client refused the certificate).
    [[nodiscard]] std::size_t failed_handshakes() const;
    [[nodiscard]] std::vector<request> requests() const;
    [[nodiscard]] std::size_t count() const;
    /// Waits until at least `n` requests arrived (counted when fully read, before answering).
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;
    /// While held, requests are recorded but not answered.
    void hold(bool on);

  private:
    void run();
    template <class Stream> void serve(Stream& stream);

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<request> requests_;
    std::deque<int> statuses_;
    std::unique_ptr<boost::asio::ssl::context> tls_; ///< set: an https receiver
    std::size_t failed_handshakes_ = 0;
    bool held_ = false;
    bool stop_ = false;
    std::thread thread_;
};

/// A self-signed certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1 only), made with the
/// `openssl` command (Debian package openssl) in `dir`: {cert.pem, key.pem}. Empty paths when
/// the command fails.
std::pair<std::string, std::string> make_test_certificate(const std::string& dir);

/// A port on 127.0.0.1 that nothing listens on (bound, read, closed).
std::uint16_t unused_port();

/// Plain blocking GET for the Alertmanager checks; returns the status (0 on error) and body.
int http_get(std::uint16_t port, const std::string& target, std::string& body);

} // namespace pulso::alerting::test
