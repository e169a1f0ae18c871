#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::http {

class history;
class metrics;

/// Settings of the HTTP server (`http.*` in the config, plus limits with safe defaults).
struct http_options {
    std::string listen = "127.0.0.1:8080";   ///< `host:port`; port 0 → ephemeral
    std::string token;                       ///< `http.token`; empty → POST endpoints answer 403
    std::size_t max_header_bytes = 8 * 1024; ///< over → 431
    std::size_t max_body_bytes = std::size_t{8} << 20;        ///< POST /api/v1/ingest; over → 413
    std::size_t max_small_body_bytes = std::size_t{64} << 10; ///< every other route
    std::chrono::milliseconds read_timeout{15'000};  ///< a whole request, header and body → 408
    std::chrono::milliseconds idle_timeout{15'000};  ///< keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{15'000}; ///< one write (SSE: a stuck client)
    std::size_t max_connections = 256;               ///< more → 503 and close
    std::chrono::milliseconds sse_heartbeat{15'000};
};

/// Outcome of POST /api/v1/ingest, returned by the ingest callback.
struct ingest_result {
    std::uint64_t lines = 0;    ///< non-empty lines in the body
    std::uint64_t accepted = 0; ///< handed to the engine
    std::uint64_t rejected = 0; ///< refused at once (their reasons go to the metrics and DLQ)
    std::string error; ///< non-empty: nothing was ingested (e.g. overloaded) → 503 with it
};

/// What the service plugs in. Every callback runs on the HTTP I/O thread, so it must be
/// thread-safe with respect to the engine and return quickly. Unset callbacks: healthz and
/// readyz answer 200; ingest and reload answer 503 "not available".
struct http_callbacks {
    /// GET /healthz: true while the engine's loops are turning.
    std::function<bool()> alive;
    /// GET /readyz: empty when ready (config loaded, Kafka assigned, sinks healthy), otherwise
    /// the reason, answered as 503 `{"ready":false,"reason":…}`.
    std::function<std::string()> not_ready_reason;
    /// POST /api/v1/ingest: the NDJSON body (valid only during the call).
    std::function<ingest_result(std::string_view ndjson)> ingest;
    /// POST /-/reload: empty string when the new config is in force, else the error (→ 400;
    /// the old config keeps running).
    std::function<std::string()> reload;
    /// GET /api/v1/brands: the configured brand names (unset: brands seen in the history).
    std::function<std::vector<std::string>()> brands;
};

struct http_server_stats {
    std::uint64_t connections_open = 0;
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0; ///< over max_connections (503)
    std::uint64_t requests = 0;
    std::uint64_t client_errors = 0; ///< 4xx answered (malformed, too large, timed out, …)
    std::uint64_t sse_clients = 0;
    std::uint64_t sse_dropped = 0; ///< slow SSE clients disconnected
};

/// The HTTP surface of CONTRACT §7 on Boost.Beast: one io_context thread serving /metrics,
/// /healthz, /readyz, the JSON API over a history, Server-Sent Events, the token-protected
/// POST endpoints and the live page. Bounded header/body sizes, read/idle/write timeouts and
/// a connection cap; a bad request gets a 4xx and costs the engine nothing.
/// Lifecycle: construct (binds), start() (spawns the I/O thread), stop() or destroy (closes
/// every connection and joins). `hist` and `m` must outlive the server.
/// @thread owner (construct, start, stop); the I/O thread does everything else
class http_server {
  public:
    /// Resolves and binds `opts.listen`. Throws std::runtime_error naming `http.listen` when
    /// the address is malformed or cannot be bound.
    http_server(http_options opts, http_callbacks callbacks, history& hist, metrics& m);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Starts accepting on the I/O thread.
    void start();
    /// Closes the listener and every connection, then joins the I/O thread. Idempotent.
    void stop();

    /// The bound port (the ephemeral one when `listen` asked for port 0).
    [[nodiscard]] std::uint16_t port() const noexcept;
    /// `host:port` actually bound, e.g. `127.0.0.1:41234`.
    [[nodiscard]] std::string local_address() const;
    /// @thread any
    [[nodiscard]] http_server_stats stats() const noexcept;

  private:
    class impl;
    std::unique_ptr<impl> impl_;
};

/// The embedded live page (connectors/http/web/index.html).
[[nodiscard]] std::string_view live_page_html() noexcept;

} // namespace pulso::http
