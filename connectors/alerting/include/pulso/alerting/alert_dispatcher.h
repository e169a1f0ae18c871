#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <pulso/pipeline/record_sink.h>
#include <string>
#include <string_view>

namespace pulso::alerting {

enum class webhook_format : std::uint8_t { json, slack };

/// Parses `json` | `slack`; false for anything else.
[[nodiscard]] bool parse_webhook_format(std::string_view s, webhook_format& out) noexcept;

/// Settings of the alert sinks. A sink whose URL is empty is off.
struct alert_sink_options {
    /// Alertmanager base URL, e.g. `http://127.0.0.1:9093`; alerts go to `{url}/api/v2/alerts`.
    std::string alertmanager_url;
    /// Generic webhook URL, POSTed verbatim.
    std::string webhook_url;
    webhook_format format = webhook_format::json;
    /// Alertmanager wants firing alerts re-sent before its `resolve_timeout` (default 5m).
    std::chrono::milliseconds resend_interval{60'000};
    /// Per sink. When full, the oldest job is dropped (counted) so emit() never blocks.
    std::size_t queue_capacity = 10'000;
    /// Retries after the first attempt for a retriable failure (network, 5xx, 408, 429).
    int max_retries = 5;
    /// Backoff before retry n (0-based): min(backoff_max, backoff_base * 2^n), of which a random
    /// `jitter` fraction is taken off ("equal jitter" at 0.5).
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_max{30'000};
    double jitter = 0.5;
    /// Whole-request deadline: resolve + connect + write + read.
    std::chrono::milliseconds timeout{5'000};
    /// Alertmanager `generatorURL`, e.g. the pulso page `http://127.0.0.1:8080/`.
    std::string external_url;
    /// https sinks: PEM file of the CA(s) that sign the receivers' certificates; empty = the
    /// system's trust store. Certificates are always verified, names included.
    std::string ca_file;
};

enum class alert_sink : std::uint8_t { alertmanager, webhook };
inline constexpr const char* alert_sink_name(alert_sink s) noexcept {
    return s == alert_sink::alertmanager ? "alertmanager" : "webhook";
}

/// Counters of one sink, monotonic since construction.
struct alert_sink_stats {
    std::uint64_t enqueued = 0; ///< jobs accepted into the queue
    std::uint64_t sent = 0;     ///< requests answered 2xx (resends included)
    std::uint64_t failed = 0;   ///< jobs given up (retries exhausted, 4xx, or cut by close)
    std::uint64_t retried = 0;  ///< retry attempts
    std::uint64_t dropped = 0;  ///< jobs dropped oldest-first because the queue was full
    std::uint64_t resends = 0;  ///< resend batches of still-firing alerts (Alertmanager only)
    /// What `pulso_sink_errors_total{sink}` should show: failed + dropped.
    [[nodiscard]] std::uint64_t errors() const noexcept { return failed + dropped; }
};

/// Sends alert records to Alertmanager (API v2) and/or a generic JSON / Slack webhook.
///
/// emit() parses the record and queues a small job per configured sink; it never waits for
/// the network. Each configured sink has its own bounded queue and its own sender thread (a
/// slow Alertmanager never delays the webhook), which POSTs with Boost.Beast, retries with
/// exponential backoff and jitter, and — for Alertmanager — re-sends the set of firing alerts
/// every `resend_interval` until each resolves (resolved = same labels with `endsAt` = now).
///
/// Lifecycle: construct (throws std::invalid_argument on a bad URL: a start-up error), emit
/// from the publisher, close() once (also called by the destructor with a zero timeout).
/// @thread emit: publisher; stats/queue_depth/firing_count: any; close: the owner
class alert_dispatcher final : public record_sink {
  public:
    explicit alert_dispatcher(alert_sink_options opts);
    ~alert_dispatcher() override;
    alert_dispatcher(const alert_dispatcher&) = delete;
    alert_dispatcher& operator=(const alert_dispatcher&) = delete;

    /// Takes `record_kind::alert` records; ignores every other kind. Malformed alert records
    /// are counted in invalid_records() and logged (rate-limited). noexcept, never blocks on I/O.
    /// @thread publisher
    void emit(record_kind kind, std::string_view key, std::string_view json) noexcept override;

    /// An alert firing since before a restart (its firing record, from
    /// detector::announce_firing): Alertmanager gets it at once and in every resend until its
    /// resolved record arrives through emit(), so it does not expire meanwhile. The webhook
    /// gets nothing (it was told when the alert fired; a chat channel must not hear it again
    /// on every restart). False for a record that is not a firing alert (counted as invalid).
    /// @thread publisher (before the first emit)
    bool restore_firing(std::string_view json) noexcept;

    /// Sends what can be sent within `timeout` (queued jobs, retries), then stops the sender
    /// threads. Jobs still queued at the deadline are counted as failed. Returns true when
    /// every queue was flushed. Idempotent; emit() after close() drops records (counted).
    /// @thread owner
    bool close(std::chrono::milliseconds timeout);

    /// Whether the sink is configured.
    /// @thread any
    [[nodiscard]] bool enabled(alert_sink s) const noexcept;
    /// @thread any
    [[nodiscard]] alert_sink_stats stats(alert_sink s) const noexcept;
    /// Jobs waiting in the sink's queue (the job being sent not included): for
    /// `pulso_sink_queue_depth{sink}`. @thread any
    [[nodiscard]] std::size_t queue_depth(alert_sink s) const noexcept;
    /// Alerts currently firing (by id), as the Alertmanager sink re-sends them. @thread any
    [[nodiscard]] std::size_t firing_count() const noexcept;
    /// Alert records that failed to parse. @thread any
    [[nodiscard]] std::uint64_t invalid_records() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace pulso::alerting
