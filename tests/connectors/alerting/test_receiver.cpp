#include "test_receiver.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <filesystem>

namespace pulso::alerting::test {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

test_receiver::test_receiver(std::vector<int> statuses)
    : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
      statuses_(statuses.begin(), statuses.end()) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
}

test_receiver::~test_receiver() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
        held_ = false;
    }
    cv_.notify_all();
    // Wake the blocking accept with a connection of our own.
    boost::system::error_code ec;
    tcp::socket s(io_);
    s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
}

test_receiver::test_receiver(const std::string& cert_file, const std::string& key_file)
    : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
      tls_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server)) {
    tls_->use_certificate_chain_file(cert_file);
    tls_->use_private_key_file(key_file, boost::asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
}

std::string test_receiver::url(const std::string& path, const std::string& host) const {
    return (tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
}

std::size_t test_receiver::failed_handshakes() const {
    std::lock_guard lk(mu_);
    return failed_handshakes_;
}

std::vector<test_receiver::request> test_receiver::requests() const {
    std::lock_guard lk(mu_);
    return requests_;
}

std::size_t test_receiver::count() const {
    std::lock_guard lk(mu_);
    return requests_.size();
}

bool test_receiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return requests_.size() >= n; });
}

void test_receiver::hold(bool on) {
    {
        std::lock_guard lk(mu_);
        held_ = on;
    }
    cv_.notify_all();
}

void test_receiver::run() {
    for (;;) {
        tcp::socket sock(io_);
        boost::system::error_code ec;
        acceptor_.accept(sock, ec);
        {
            std::lock_guard lk(mu_);
            if (stop_) {
                return;
            }
        }
        if (ec) {
            continue;
        }
        if (!tls_) {
            serve(sock);
            sock.shutdown(tcp::socket::shutdown_both, ec);
            continue;
        }
        boost::asio::ssl::stream<tcp::socket&> secure(sock, *tls_);
        secure.handshake(boost::asio::ssl::stream_base::server, ec);
        if (ec) {
            std::lock_guard lk(mu_);
            ++failed_handshakes_;
            continue;
        }
        serve(secure);
        sock.shutdown(tcp::socket::shutdown_both, ec);
    }
}

template <class Stream> void test_receiver::serve(Stream& stream) {
    boost::system::error_code ec;
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(stream, buf, req, ec);
    if (ec) {
        return;
    }
    int status = 200;
    {
        std::unique_lock lk(mu_);
        requests_.push_back(request{std::string(req.method_string()), std::string(req.target()),
                                    std::string(req[http::field::content_type]), req.body(),
                                    std::chrono::steady_clock::now()});
        if (!statuses_.empty()) {
            status = statuses_.front();
            statuses_.pop_front();
        }
        cv_.notify_all();
        cv_.wait(lk, [&] { return !held_ || stop_; });
    }
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    http::write(stream, res, ec);
}

std::pair<std::string, std::string> make_test_certificate(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const std::string cert = dir + "/cert.pem";
    const std::string key = dir + "/key.pem";
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
                            "/CN=pulso-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
                            key + " -out " + cert + " > " + dir + "/openssl.log 2>&1";
    if (std::system(cmd.c_str()) != 0) {
        return {};
    }
    return {cert, key};
}

std::uint16_t unused_port() {
    boost::asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t p = a.local_endpoint().port();
    a.close();
    return p;
}

int http_get(std::uint16_t port, const std::string& target, std::string& body) {
    boost::asio::io_context io;
    tcp::socket sock(io);
    boost::system::error_code ec;
    sock.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
        return 0;
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.keep_alive(false);
    http::write(sock, req, ec);
    if (ec) {
        return 0;
    }
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res, ec);
    if (ec) {
        return 0;
    }
    body = res.body();
    return static_cast<int>(res.result_int());
}

} // namespace pulso::alerting::test
