#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
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
    ~test_receiver();
    test_receiver(const test_receiver&) = delete;
    test_receiver& operator=(const test_receiver&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string url(const std::string& path = "") const;
    [[nodiscard]] std::vector<request> requests() const;
    [[nodiscard]] std::size_t count() const;
    /// Waits until at least `n` requests arrived (counted when fully read, before answering).
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;
    /// While held, requests are recorded but not answered.
    void hold(bool on);

  private:
    void run();

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<request> requests_;
    std::deque<int> statuses_;
    bool held_ = false;
    bool stop_ = false;
    std::thread thread_;
};

/// A port on 127.0.0.1 that nothing listens on (bound, read, closed).
std::uint16_t unused_port();

/// Plain blocking GET for the Alertmanager checks; returns the status (0 on error) and body.
int http_get(std::uint16_t port, const std::string& target, std::string& body);

} // namespace pulso::alerting::test
