#include "pulso/http/http_server.h"

#include "pulso/core/json_writer.h"
#include "pulso/http/history.h"
#include "pulso/http/http_util.h"
#include "pulso/http/metrics.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace pulso::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using string_response = bhttp::response<bhttp::string_body>;

constexpr std::string_view k_json = "application/json";
constexpr std::string_view k_metrics_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::size_t k_linger_bytes = std::size_t{1} << 20;
constexpr auto k_linger_time = std::chrono::seconds(2);
constexpr std::size_t k_default_window_limit = 100'000;

enum class route_id {
    live_page,
    metrics,
    healthz,
    readyz,
    windows,
    trends,
    alerts,
    brands,
    stream,
    ingest,
    reload,
};

struct route {
    std::string_view path;
    bhttp::verb method;
    route_id id;
};

constexpr std::array<route, 11> k_routes{{
    {"/", bhttp::verb::get, route_id::live_page},
    {"/metrics", bhttp::verb::get, route_id::metrics},
    {"/healthz", bhttp::verb::get, route_id::healthz},
    {"/readyz", bhttp::verb::get, route_id::readyz},
    {"/api/v1/windows", bhttp::verb::get, route_id::windows},
    {"/api/v1/trends", bhttp::verb::get, route_id::trends},
    {"/api/v1/alerts", bhttp::verb::get, route_id::alerts},
    {"/api/v1/brands", bhttp::verb::get, route_id::brands},
    {"/api/v1/stream", bhttp::verb::get, route_id::stream},
    {"/api/v1/ingest", bhttp::verb::post, route_id::ingest},
    {"/-/reload", bhttp::verb::post, route_id::reload},
}};

std::string json_error(std::string_view message) {
    std::string out;
    json_writer(out).begin_object().key("error").value(message).end_object();
    return out;
}

std::string_view to_std(beast::string_view s) noexcept {
    return {s.data(), s.size()};
}

bool is_http_parse_error(const error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

class server_core;

/// Anything the core must be able to close at shutdown.
class connection {
  public:
    virtual ~connection() = default;
    virtual void close() = 0;
};

/// The I/O-thread state shared by the acceptor and the sessions.
/// @thread io (everything but the atomics, which any thread may read)
class server_core {
  public:
    server_core(http_options o, http_callbacks c, history& h, metrics& m)
        : opts(std::move(o)), cbs(std::move(c)), hist(h), met(m) {}

    void accept();
    void register_connection(std::uint64_t id, const std::shared_ptr<connection>& c) {
        connections[id] = c;
    }
    void unregister_connection(std::uint64_t id) { connections.erase(id); }
    void close_all();

    http_options opts;
    http_callbacks cbs;
    history& hist;
    metrics& met;
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::optional<asio::steady_timer> accept_retry;
    std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections;
    std::uint64_t next_id = 0;
    std::size_t sessions = 0; ///< counted against max_connections
    std::size_t refusing = 0;
    bool stopping = false;

    // Read by stats() from any thread; written by the I/O thread. relaxed: independent
    // counters, no ordering with other data.
    std::atomic<std::uint64_t> n_open{0};
    std::atomic<std::uint64_t> n_accepted{0};
    std::atomic<std::uint64_t> n_refused{0};
    std::atomic<std::uint64_t> n_requests{0};
    std::atomic<std::uint64_t> n_client_errors{0};
    std::atomic<std::uint64_t> n_sse{0};
    std::atomic<std::uint64_t> n_sse_dropped{0};
};

/// Answers 503 to a connection over the cap, then closes it after a short lingering drain.
/// @thread io
class refuser final : public connection, public std::enable_shared_from_this<refuser> {
  public:
    refuser(server_core& core, tcp::socket s, std::uint64_t id)
        : core_(core), socket_(std::move(s)), timer_(core.ioc), id_(id) {
        ++core_.refusing;
    }
    ~refuser() override {
        --core_.refusing;
        core_.unregister_connection(id_);
    }

    void start() {
        static constexpr std::string_view k_reply =
            "HTTP/1.1 503 Service Unavailable\r\nServer: pulso\r\n"
            "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
            "Content-Length: 33\r\n\r\n{\"error\":\"too many connections\"}\n";
        timer_.expires_after(k_linger_time);
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) {
                self->close();
            }
        });
        asio::async_write(socket_, asio::buffer(k_reply.data(), k_reply.size()),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec) {
                                  self->close();
                                  return;
                              }
                              error_code ignored;
                              self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                              self->drain();
                          });
    }

    void close() override {
        error_code ignored;
        timer_.cancel();
        socket_.close(ignored);
    }

  private:
    void drain() {
        socket_.async_read_some(asio::buffer(buf_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    self->drained_ += n;
                                    if (ec || self->drained_ > k_linger_bytes) {
                                        self->close();
                                        return;
                                    }
                                    self->drain();
                                });
    }

    server_core& core_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    std::uint64_t id_;
    std::array<char, 4096> buf_{};
    std::size_t drained_ = 0;
};

/// One HTTP connection: keep-alive request/response, or an SSE stream once it asks for one.
/// @thread io
class session final : public connection, public std::enable_shared_from_this<session> {
  public:
    session(server_core& core, tcp::socket s, std::uint64_t id)
        : core_(core), stream_(std::move(s)), deadline_(core.ioc), heartbeat_(core.ioc), id_(id) {
        ++core_.sessions;
        core_.n_open.fetch_add(1, std::memory_order_relaxed);
    }
    ~session() override {
        if (sub_) {
            sub_->set_notify({});
        }
        if (sse_) {
            core_.n_sse.fetch_sub(1, std::memory_order_relaxed);
        }
        --core_.sessions;
        core_.n_open.fetch_sub(1, std::memory_order_relaxed);
        core_.unregister_connection(id_);
    }

    void start() { read_header(); }

    void close() override {
        if (closed_) {
            return;
        }
        closed_ = true;
        if (sub_) {
            sub_->set_notify({}); // no more wake-ups from the publisher
        }
        deadline_.cancel();
        heartbeat_.cancel();
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

  private:
    // ------------------------------------------------------------ request reading

    void arm_deadline(std::chrono::milliseconds d) {
        const std::uint64_t gen = ++deadline_gen_;
        deadline_.expires_after(d);
        deadline_.async_wait([w = weak_from_this(), gen](error_code ec) {
            auto self = w.lock();
            if (ec || !self || gen != self->deadline_gen_) {
                return; // cancelled, or a later read re-armed it
            }
            self->timed_out_ = true;
            error_code ignored;
            self->stream_.socket().cancel(ignored);
        });
    }

    void disarm_deadline() {
        ++deadline_gen_;
        deadline_.cancel();
    }

    void read_header() {
        if (closed_) {
            return;
        }
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(core_.opts.max_header_bytes));
        // The largest body any route takes; the route's own limit is set once the header
        // is known (a Content-Length above the largest is refused before any body byte).
        parser_->body_limit(std::max(core_.opts.max_body_bytes, core_.opts.max_small_body_bytes));
        timed_out_ = false;
        stream_.expires_never();
        arm_deadline(served_ == 0 ? core_.opts.read_timeout : core_.opts.idle_timeout);
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(error_code ec) {
        if (ec) {
            on_read_error(ec);
            return;
        }
        core_.n_requests.fetch_add(1, std::memory_order_relaxed);
        auto& req = parser_->get();
        keep_alive_ = req.keep_alive();
        split_target(to_std(req.target()), path_, query_);

        const route* hit = nullptr;
        bool path_known = false;
        for (const route& r : k_routes) {
            if (r.path == path_) {
                path_known = true;
                if (r.method == req.method()) {
                    hit = &r;
                }
            }
        }
        // A reply decided before the body is read closes the connection afterwards: the
        // unread body would otherwise be taken for the next request.
        const bool body_pending = !parser_->is_done();
        if (hit == nullptr) {
            if (path_known) {
                std::string allow;
                for (const route& r : k_routes) {
                    if (r.path == path_) {
                        allow = std::string(to_std(bhttp::to_string(r.method)));
                    }
                }
                reply(bhttp::status::method_not_allowed, k_json, json_error("method not allowed"),
                      body_pending, {{"Allow", allow}});
            } else {
                reply(bhttp::status::not_found, k_json, json_error("not found"), body_pending);
            }
            return;
        }
        route_ = hit->id;

        if (route_ == route_id::ingest || route_ == route_id::reload) {
            if (core_.opts.token.empty()) {
                reply(bhttp::status::forbidden, k_json,
                      json_error("POST endpoints are disabled: http.token is not configured"),
                      body_pending);
                return;
            }
            const auto auth = req[bhttp::field::authorization];
            const auto token = bearer_token(to_std(auth));
            if (!token || !constant_time_equal(core_.opts.token, *token)) {
                reply(bhttp::status::unauthorized, k_json,
                      json_error("missing or wrong bearer token"), body_pending,
                      {{"WWW-Authenticate", "Bearer realm=\"pulso\""}});
                return;
            }
        }

        const std::size_t limit = route_ == route_id::ingest ? core_.opts.max_body_bytes
                                                             : core_.opts.max_small_body_bytes;
        if (const auto len = parser_->content_length(); len && *len > limit) {
            reply(bhttp::status::payload_too_large, k_json, json_error("request body too large"),
                  true);
            return;
        }
        parser_->body_limit(limit);
        if (!body_pending) {
            disarm_deadline();
            handle();
            return;
        }
        const auto expect = req[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
            stream_.expires_after(core_.opts.write_timeout);
            asio::async_write(stream_, asio::buffer(k_continue.data(), k_continue.size()),
                              [self = shared_from_this()](error_code wec, std::size_t) {
                                  if (wec) {
                                      self->close();
                                      return;
                                  }
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        stream_.expires_never();
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec) {
                                  self->on_read_error(ec);
                                  return;
                              }
                              self->disarm_deadline();
                              self->handle();
                          });
    }

    void on_read_error(error_code ec) {
        disarm_deadline();
        if (closed_) {
            return;
        }
        if (ec == asio::error::operation_aborted && timed_out_) {
            if (parser_->got_some() || buffer_.size() > 0) {
                reply(bhttp::status::request_timeout, k_json, json_error("request timed out"),
                      true);
            } else {
                close(); // an idle keep-alive connection: nothing to answer
            }
            return;
        }
        if (ec == bhttp::error::header_limit) {
            reply(bhttp::status::request_header_fields_too_large, k_json,
                  json_error("request header too large"), true);
            return;
        }
        if (ec == bhttp::error::body_limit) {
            reply(bhttp::status::payload_too_large, k_json, json_error("request body too large"),
                  true);
            return;
        }
        if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
            !is_http_parse_error(ec)) {
            close(); // the peer went away or the network failed: no one to answer
            return;
        }
        reply(bhttp::status::bad_request, k_json, json_error("malformed request"), true);
    }

    // ------------------------------------------------------------ routing

    [[nodiscard]] const std::string* param(std::string_view name) const {
        for (const auto& [k, v] : query_) {
            if (k == name) {
                return &v;
            }
        }
        return nullptr;
    }

    void handle() {
        try {
            dispatch();
        } catch (const std::exception& e) {
            // Per-request errors never escape the I/O thread (STYLE); a callback that threw
            // is the lead's bug, reported as 500 and logged.
            spdlog::error("http: {} {} failed: {}", to_std(parser_->get().method_string()), path_,
                          e.what());
            reply(bhttp::status::internal_server_error, k_json, json_error("internal error"), true);
        }
    }

    void dispatch() {
        const auto& req = parser_->get();
        switch (route_) {
        case route_id::live_page:
            reply(bhttp::status::ok, "text/html; charset=utf-8", std::string(live_page_html()),
                  false);
            return;
        case route_id::metrics:
            reply(bhttp::status::ok, k_metrics_type, core_.met.serialize(), false);
            return;
        case route_id::healthz: {
            const bool alive = !core_.cbs.alive || core_.cbs.alive();
            reply(alive ? bhttp::status::ok : bhttp::status::service_unavailable, k_json,
                  alive ? R"({"status":"ok"})" : R"({"status":"unhealthy"})", false);
            return;
        }
        case route_id::readyz: {
            const std::string reason =
                core_.cbs.not_ready_reason ? core_.cbs.not_ready_reason() : std::string();
            if (reason.empty()) {
                reply(bhttp::status::ok, k_json, R"({"ready":true})", false);
            } else {
                std::string body;
                json_writer(body)
                    .begin_object()
                    .key("ready")
                    .value(false)
                    .key("reason")
                    .value(reason)
                    .end_object();
                reply(bhttp::status::service_unavailable, k_json, std::move(body), false);
            }
            return;
        }
        case route_id::windows:
            windows();
            return;
        case route_id::trends: {
            std::optional<millis> since;
            if (const auto* s = param("since")) {
                since = parse_time_param(*s);
                if (!since) {
                    bad_param("since");
                    return;
                }
            }
            reply(bhttp::status::ok, k_json, core_.hist.trends_json(since), false);
            return;
        }
        case route_id::alerts: {
            const auto* st = param("status");
            const std::string_view status = st != nullptr ? std::string_view(*st) : "firing";
            if (status != "firing" && status != "all") {
                bad_param("status");
                return;
            }
            reply(bhttp::status::ok, k_json, core_.hist.alerts_json(status == "firing"), false);
            return;
        }
        case route_id::brands: {
            std::vector<std::string> names;
            if (core_.cbs.brands) {
                names = core_.cbs.brands();
            }
            reply(bhttp::status::ok, k_json, core_.hist.brands_json(names), false);
            return;
        }
        case route_id::stream:
            start_sse();
            return;
        case route_id::ingest: {
            if (!core_.cbs.ingest) {
                reply(bhttp::status::service_unavailable, k_json,
                      json_error("ingest is not available"), false);
                return;
            }
            const ingest_result r = core_.cbs.ingest(req.body());
            if (!r.error.empty()) {
                reply(bhttp::status::service_unavailable, k_json, json_error(r.error), false);
                return;
            }
            std::string body;
            json_writer(body)
                .begin_object()
                .key("lines")
                .value(r.lines)
                .key("accepted")
                .value(r.accepted)
                .key("rejected")
                .value(r.rejected)
                .end_object();
            reply(bhttp::status::ok, k_json, std::move(body), false);
            return;
        }
        case route_id::reload: {
            if (!core_.cbs.reload) {
                reply(bhttp::status::service_unavailable, k_json,
                      json_error("reload is not available"), false);
                return;
            }
            const std::string err = core_.cbs.reload();
            if (err.empty()) {
                reply(bhttp::status::ok, k_json, R"({"status":"ok"})", false);
            } else {
                std::string body;
                json_writer(body)
                    .begin_object()
                    .key("status")
                    .value("error")
                    .key("error")
                    .value(err)
                    .end_object();
                reply(bhttp::status::bad_request, k_json, std::move(body), false);
            }
            return;
        }
        }
    }

    void windows() {
        millis since = std::numeric_limits<millis>::min();
        millis until = std::numeric_limits<millis>::max();
        std::size_t limit = k_default_window_limit;
        if (const auto* s = param("since")) {
            const auto v = parse_time_param(*s);
            if (!v) {
                bad_param("since");
                return;
            }
            since = *v;
        }
        if (const auto* s = param("until")) {
            const auto v = parse_time_param(*s);
            if (!v) {
                bad_param("until");
                return;
            }
            until = *v;
        }
        if (const auto* s = param("limit")) {
            const auto v = parse_time_param(*s); // a plain integer
            if (!v || *v <= 0 || s->find_first_not_of("0123456789") != std::string::npos) {
                bad_param("limit");
                return;
            }
            limit = static_cast<std::size_t>(*v);
        }
        const auto* brand = param("brand");
        reply(bhttp::status::ok, k_json,
              core_.hist.windows_json(brand != nullptr ? std::string_view(*brand) : "", since,
                                      until, limit),
              false);
    }

    void bad_param(std::string_view name) {
        reply(bhttp::status::bad_request, k_json,
              json_error("invalid query parameter: " + std::string(name)), false);
    }

    // ------------------------------------------------------------ responses

    void reply(bhttp::status status, std::string_view content_type, std::string body,
               bool close_after,
               std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
        const unsigned code = static_cast<unsigned>(status);
        if (code >= 400 && code < 500) {
            core_.n_client_errors.fetch_add(1, std::memory_order_relaxed);
        }
        auto res = std::make_shared<string_response>(status, 11);
        res->set(bhttp::field::server, "pulso");
        res->set(bhttp::field::content_type,
                 beast::string_view(content_type.data(), content_type.size()));
        res->set(bhttp::field::cache_control, "no-store");
        for (const auto& [k, v] : extra) {
            res->set(beast::string_view(k.data(), k.size()),
                     beast::string_view(v.data(), v.size()));
        }
        res->body() = std::move(body);
        res->keep_alive(keep_alive_ && !close_after && !core_.stopping);
        res->prepare_payload();
        ++served_;
        stream_.expires_after(core_.opts.write_timeout);
        bhttp::async_write(stream_, *res,
                           [self = shared_from_this(), res](error_code ec, std::size_t) {
                               if (ec) {
                                   self->close();
                               } else if (res->need_eof()) {
                                   self->linger_close();
                               } else {
                                   self->read_header();
                               }
                           });
    }

    /// Half-closes, then reads and drops what the client still sends for a moment, so that
    /// the reply is not destroyed by a reset while unread request bytes sit in our buffer.
    void linger_close() {
        if (closed_) {
            return;
        }
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        const std::uint64_t gen = ++deadline_gen_;
        deadline_.expires_after(k_linger_time);
        deadline_.async_wait([w = weak_from_this(), gen](error_code ec) {
            auto self = w.lock();
            if (!ec && self && gen == self->deadline_gen_) {
                self->close();
            }
        });
        drain();
    }

    void drain() {
        stream_.socket().async_read_some(asio::buffer(scratch_),
                                         [self = shared_from_this()](error_code ec, std::size_t n) {
                                             self->drained_ += n;
                                             if (ec || self->drained_ > k_linger_bytes) {
                                                 self->close();
                                                 return;
                                             }
                                             self->drain();
                                         });
    }

    // ------------------------------------------------------------ server-sent events

    void start_sse() {
        sse_ = true;
        core_.n_sse.fetch_add(1, std::memory_order_relaxed);
        sub_ = core_.hist.subscribe();
        std::weak_ptr<session> w = shared_from_this();
        asio::io_context& ioc = core_.ioc;
        sub_->set_notify([w, &ioc] {
            asio::post(ioc, [w] {
                if (auto self = w.lock()) {
                    self->sse_pump();
                }
            });
        });
        out_ = "HTTP/1.1 200 OK\r\nServer: pulso\r\nContent-Type: text/event-stream; "
               "charset=utf-8\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n"
               "X-Accel-Buffering: no\r\n\r\nretry: 3000\n: connected\n\n";
        ++served_;
        sse_write();
        sse_read();
        arm_heartbeat();
    }

    void arm_heartbeat() {
        heartbeat_.expires_after(core_.opts.sse_heartbeat);
        heartbeat_.async_wait([w = weak_from_this()](error_code ec) {
            auto self = w.lock();
            if (ec || !self || self->closed_) {
                return;
            }
            self->heartbeat_due_ = true;
            self->sse_pump();
            self->arm_heartbeat();
        });
    }

    /// Watches the client side: EOF or an error means it left; what it sends is dropped.
    void sse_read() {
        stream_.socket().async_read_some(asio::buffer(scratch_),
                                         [self = shared_from_this()](error_code ec, std::size_t) {
                                             if (ec) {
                                                 self->close();
                                                 return;
                                             }
                                             self->sse_read();
                                         });
    }

    void sse_pump() {
        if (closed_) {
            return;
        }
        if (sub_->overflowed()) {
            // A client that cannot keep up is dropped, not buffered for without bound.
            core_.n_sse_dropped.fetch_add(1, std::memory_order_relaxed);
            close();
            return;
        }
        if (writing_) {
            return; // the write's completion pumps again
        }
        out_.clear();
        (void)sub_->take(out_);
        if (heartbeat_due_) {
            heartbeat_due_ = false;
            out_.append(": heartbeat\n\n");
        }
        if (!out_.empty()) {
            sse_write();
        }
    }

    void sse_write() {
        writing_ = true;
        stream_.expires_after(core_.opts.write_timeout);
        asio::async_write(
            stream_, asio::buffer(out_), [self = shared_from_this()](error_code ec, std::size_t) {
                self->writing_ = false;
                if (ec) {
                    if (ec == beast::error::timeout) {
                        self->core_.n_sse_dropped.fetch_add(1, std::memory_order_relaxed);
                    }
                    self->close();
                    return;
                }
                self->sse_pump();
            });
    }

    server_core& core_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    asio::steady_timer deadline_;
    asio::steady_timer heartbeat_;
    std::uint64_t id_;
    std::uint64_t deadline_gen_ = 0;
    std::uint64_t served_ = 0;
    std::size_t drained_ = 0;
    route_id route_ = route_id::healthz;
    std::string path_;
    std::vector<std::pair<std::string, std::string>> query_;
    std::array<char, 4096> scratch_{};
    std::shared_ptr<history_subscription> sub_;
    std::string out_;
    bool keep_alive_ = false;
    bool timed_out_ = false;
    bool closed_ = false;
    bool sse_ = false;
    bool writing_ = false;
    bool heartbeat_due_ = false;
};

void server_core::accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket s) {
        if (stopping) {
            return;
        }
        if (ec) {
            if (ec == asio::error::operation_aborted) {
                return;
            }
            // Out of descriptors and the like: back off instead of spinning.
            spdlog::warn("http: accept failed: {}", ec.message());
            accept_retry.emplace(ioc);
            accept_retry->expires_after(std::chrono::milliseconds(100));
            accept_retry->async_wait([this](error_code tec) {
                if (!tec && !stopping) {
                    accept();
                }
            });
            return;
        }
        n_accepted.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t id = next_id++;
        if (sessions >= opts.max_connections) {
            n_refused.fetch_add(1, std::memory_order_relaxed);
            if (refusing < opts.max_connections) {
                auto r = std::make_shared<refuser>(*this, std::move(s), id);
                register_connection(id, r);
                r->start();
            } // else: the socket closes here, unanswered
        } else {
            error_code ignored;
            s.set_option(tcp::no_delay(true), ignored);
            auto sess = std::make_shared<session>(*this, std::move(s), id);
            register_connection(id, sess);
            sess->start();
        }
        accept();
    });
}

void server_core::close_all() {
    stopping = true;
    error_code ignored;
    acceptor.close(ignored);
    if (accept_retry) {
        accept_retry->cancel();
    }
    // Copy: closing may destroy connections, which unregister themselves.
    std::vector<std::shared_ptr<connection>> live;
    live.reserve(connections.size());
    for (auto& [id, w] : connections) {
        if (auto c = w.lock()) {
            live.push_back(std::move(c));
        }
    }
    for (auto& c : live) {
        c->close();
    }
}

} // namespace

// ---------------------------------------------------------------- http_server

class http_server::impl {
  public:
    std::unique_ptr<server_core> core;
    std::thread thread;
    std::string bound;
    std::uint16_t port = 0;
    bool started = false;
    bool stopped = false;
};

http_server::http_server(http_options opts, http_callbacks callbacks, history& hist, metrics& m)
    : impl_(std::make_unique<impl>()) {
    const std::string listen = opts.listen;
    const auto addr = parse_listen_address(listen);
    if (!addr) {
        throw std::runtime_error("http.listen: '" + listen +
                                 "' is not host:port (e.g. 127.0.0.1:8080)");
    }
    impl_->core = std::make_unique<server_core>(std::move(opts), std::move(callbacks), hist, m);
    server_core& c = *impl_->core;
    error_code ec;
    tcp::resolver resolver(c.ioc);
    const auto results =
        resolver.resolve(addr->host, std::to_string(addr->port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
        throw std::runtime_error("http.listen: cannot resolve '" + addr->host +
                                 "': " + (ec ? ec.message() : std::string("no address")));
    }
    const tcp::endpoint ep = results.begin()->endpoint();
    auto fail = [&](const char* what) {
        throw std::runtime_error("http.listen: cannot " + std::string(what) + " " + listen + ": " +
                                 ec.message());
    };
    c.acceptor.open(ep.protocol(), ec);
    if (ec) {
        fail("open");
    }
    c.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    c.acceptor.bind(ep, ec);
    if (ec) {
        fail("bind");
    }
    c.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        fail("listen on");
    }
    const tcp::endpoint local = c.acceptor.local_endpoint(ec);
    impl_->port = local.port();
    const std::string host = local.address().to_string();
    impl_->bound = local.address().is_v6() ? "[" + host + "]:" + std::to_string(impl_->port)
                                           : host + ":" + std::to_string(impl_->port);
}

http_server::~http_server() {
    stop();
}

void http_server::start() {
    if (impl_->started || impl_->stopped) {
        return;
    }
    impl_->started = true;
    server_core& c = *impl_->core;
    c.accept();
    impl_->thread = std::thread([&c] {
        for (;;) {
            try {
                c.ioc.run();
                return;
            } catch (const std::exception& e) {
                // Handlers catch their own errors; this is the last line, keep serving.
                spdlog::error("http: I/O thread: {}", e.what());
            }
        }
    });
}

void http_server::stop() {
    if (impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    server_core& c = *impl_->core;
    if (impl_->started) {
        // Closing everything leaves the io_context without work, so run() returns once the
        // cancelled operations have completed and every connection has been destroyed.
        asio::post(c.ioc, [&c] { c.close_all(); });
        impl_->thread.join();
    } else {
        c.close_all();
    }
}

std::uint16_t http_server::port() const noexcept {
    return impl_->port;
}

std::string http_server::local_address() const {
    return impl_->bound;
}

http_server_stats http_server::stats() const noexcept {
    const server_core& c = *impl_->core;
    http_server_stats s;
    s.connections_open = c.n_open.load(std::memory_order_relaxed);
    s.connections_accepted = c.n_accepted.load(std::memory_order_relaxed);
    s.connections_refused = c.n_refused.load(std::memory_order_relaxed);
    s.requests = c.n_requests.load(std::memory_order_relaxed);
    s.client_errors = c.n_client_errors.load(std::memory_order_relaxed);
    s.sse_clients = c.n_sse.load(std::memory_order_relaxed);
    s.sse_dropped = c.n_sse_dropped.load(std::memory_order_relaxed);
    return s;
}

} // namespace pulso::http
