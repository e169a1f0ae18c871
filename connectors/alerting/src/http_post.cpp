#include "http_post.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <optional>
#include <stdexcept>

namespace pulso::alerting::detail {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

std::string parse_http_url(std::string_view url, http_url& out) {
    out = http_url{};
    auto starts_with_ci = [](std::string_view s, std::string_view prefix) {
        return s.size() >= prefix.size() &&
               std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
               });
    };
    std::string_view rest;
    if (starts_with_ci(url, "https://")) {
        out.tls = true;
        out.port = "443";
        rest = url.substr(8);
    } else if (starts_with_ci(url, "http://")) {
        rest = url.substr(7);
    } else {
        return "not an http:// or https:// URL";
    }
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        out.target.assign(rest.substr(slash));
    }
    if (authority.find('@') != std::string_view::npos) {
        return "credentials in the URL are not supported";
    }
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            return "unterminated IPv6 address";
        }
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return "junk after IPv6 address";
            }
            port = after.substr(1);
        }
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        return "missing host";
    }
    if (!port.empty()) {
        unsigned p = 0;
        const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc{} || ptr != port.data() + port.size() || p == 0 || p > 65535) {
            return "bad port";
        }
        out.port.assign(port);
    }
    out.host.assign(host);
    out.host_header.assign(authority);
    return {};
}

std::unique_ptr<ssl::context> make_tls_context(const std::string& ca_file) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            throw std::invalid_argument("the system's trust store cannot be loaded: " +
                                        ec.message());
        }
    } else {
        ctx->load_verify_file(ca_file, ec);
        if (ec) {
            throw std::invalid_argument("CA file '" + ca_file + "': " + ec.message());
        }
    }
    return ctx;
}

namespace {

/// The request/response exchange over a connected (and, for TLS, handshaken) stream.
template <class Stream, class Finish>
void exchange(Stream& stream, http::request<http::string_body>& req, beast::flat_buffer& buffer,
              http::response_parser<http::string_body>& parser, Finish& finish) {
    http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
        if (wec) {
            return finish(wec);
        }
        http::async_read(stream, buffer, parser,
                         [&](beast::error_code rec, std::size_t) { finish(rec); });
    });
}

} // namespace

http_result http_post(boost::asio::io_context& io, const http_url& url, ssl::context* tls,
                      std::string_view content_type, std::string_view body,
                      std::chrono::steady_clock::time_point deadline,
                      const std::function<bool()>& abort) noexcept {
    http_result result;
    try {
        if (url.tls && tls == nullptr) {
            result.error = "https URL without a TLS context";
            return result;
        }
        tcp::resolver resolver(io);
        std::optional<beast::tcp_stream> plain;
        std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
        beast::tcp_stream* lowest = nullptr;
        if (url.tls) {
            secure.emplace(io, *tls);
            // SNI for a DNS name (RFC 6066 sends none for an IP address), and the name the
            // certificate must carry (DNS name or IP address).
            boost::system::error_code not_ip;
            (void)boost::asio::ip::make_address(url.host, not_ip);
            if (not_ip &&
                SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str()) != 1) {
                result.error = "cannot set the TLS server name";
                return result;
            }
            secure->set_verify_callback(ssl::host_name_verification(url.host));
            lowest = &beast::get_lowest_layer(*secure);
        } else {
            plain.emplace(io);
            lowest = &*plain;
        }
        http::request<http::string_body> req{http::verb::post, url.target, 11};
        req.set(http::field::host, url.host_header);
        req.set(http::field::user_agent, "pulso-alerting");
        req.set(http::field::content_type,
                beast::string_view(content_type.data(), content_type.size()));
        req.keep_alive(false);
        req.body().assign(body);
        req.prepare_payload();
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024); // receivers answer with a few bytes; never hold more

        bool done = false;
        beast::error_code final_ec;
        auto finish = [&](beast::error_code ec) {
            final_ec = ec;
            done = true;
        };
        // Beast's stream timeout covers connect, handshake, write and read; the resolver is
        // cancelled by the polling loop below when the deadline passes.
        lowest->expires_at(deadline);
        resolver.async_resolve(
            url.host, url.port, [&](beast::error_code ec, const tcp::resolver::results_type& eps) {
                if (ec) {
                    return finish(ec);
                }
                lowest->async_connect(eps, [&](beast::error_code cec, const tcp::endpoint&) {
                    if (cec) {
                        return finish(cec);
                    }
                    if (!secure) {
                        return exchange(*plain, req, buffer, parser, finish);
                    }
                    secure->async_handshake(ssl::stream_base::client, [&](beast::error_code hec) {
                        if (hec) {
                            return finish(hec);
                        }
                        exchange(*secure, req, buffer, parser, finish);
                    });
                });
            });

        io.restart();
        bool cancelled = false;
        while (!done) {
            const auto now = std::chrono::steady_clock::now();
            if (!cancelled && (now >= deadline || abort())) {
                cancelled = true;
                resolver.cancel();
                lowest->cancel();
            }
            io.run_for(std::chrono::milliseconds(50));
        }
        if (final_ec) {
            result.error = cancelled && final_ec == boost::asio::error::operation_aborted
                               ? std::string("timed out or aborted")
                               : final_ec.message();
            return result;
        }
        result.status = static_cast<int>(parser.get().result_int());
        // The response is complete (Content-Length or chunked): close without the TLS
        // close_notify round trip, as browsers do with `Connection: close`.
        beast::error_code ignored;
        lowest->socket().shutdown(tcp::socket::shutdown_both, ignored);
    } catch (const std::exception& e) {
        result.status = 0;
        result.error = e.what();
    }
    return result;
}

} // namespace pulso::alerting::detail
