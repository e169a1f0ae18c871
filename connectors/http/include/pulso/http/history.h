#pragma once

#include "pulso/core/time.h"
#include "pulso/pipeline/record_sink.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::http {

class metrics;

struct history_options {
    /// Records are kept while their window ends no more than this far (event time) behind the
    /// newest window end seen.
    millis retention = 24LL * 3600 * 1000;
    /// Hard cap on the bytes held (JSON plus bookkeeping); the oldest records go first.
    std::size_t max_bytes = std::size_t{256} << 20;
    /// Bytes of SSE frames queued per subscriber; a subscriber that falls further behind is
    /// marked overflowed and disconnected by its session.
    std::size_t subscriber_queue_bytes = std::size_t{1} << 20;
};

/// The SSE queue of one subscriber: frames (`event: …\ndata: …\n\n`) appended by the
/// publisher thread, taken by the subscriber's HTTP session. Bounded: when a push would go
/// over the cap the subscription is marked overflowed and stops queueing.
/// @thread any; @locks mu_
class history_subscription {
  public:
    explicit history_subscription(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    /// Sets the wake-up, called (under mu_, so keep it short: e.g. an asio::post) when the
    /// queue turns non-empty or the subscription overflows. Empty function: no wake-ups.
    void set_notify(std::function<void()> fn);
    /// Moves every queued frame to the end of `out`. Returns false once overflowed.
    bool take(std::string& out);
    /// Appends one frame (the history calls it). Returns false if it overflowed now or before.
    bool push(std::string_view frame);
    [[nodiscard]] bool overflowed() const;
    [[nodiscard]] std::size_t queued_bytes() const;
    /// Largest number of bytes ever queued at once (never above the cap).
    [[nodiscard]] std::size_t high_water_bytes() const;

  private:
    mutable std::mutex mu_;
    std::string queue_;
    std::size_t max_bytes_;
    std::size_t high_water_ = 0;
    bool overflow_ = false;
    std::function<void()> notify_;
};

struct history_stats {
    std::uint64_t records = 0;      ///< held now
    std::uint64_t bytes = 0;        ///< held now
    std::uint64_t windows = 0;      ///< window records stored since start
    std::uint64_t trends = 0;       ///< trend records stored since start
    std::uint64_t alerts = 0;       ///< alert records stored since start
    std::uint64_t firing = 0;       ///< alerts firing now
    std::uint64_t evicted = 0;      ///< records dropped by retention or the byte cap
    std::uint64_t parse_errors = 0; ///< records not stored because their fields did not parse
    std::uint64_t subscribers = 0;  ///< SSE subscribers now
    std::uint64_t subscribers_overflowed = 0;
};

/// A record_sink decorator for run/demo mode: forwards every record to an inner sink, keeps
/// window, trend and alert records in a bounded in-memory history for the HTTP API, fans them
/// out to SSE subscribers, and feeds the publisher-side metrics (brand window gauges, alert
/// gauges and counters, publish delay). Dead-letter records are only forwarded.
/// Owned by the service; must outlive the http_server that reads it.
/// @thread publisher (emit); any (queries, subscribe); @locks mu_ (one mutex: this is the
/// once-per-window path, not the per-mention one)
class history final : public record_sink {
  public:
    /// `inner` and `m` may be null; both must outlive the history.
    explicit history(history_options opts = {}, record_sink* inner = nullptr, metrics* m = nullptr);

    void emit(record_kind kind, std::string_view key, std::string_view json) override;

    /// An alert firing since before a restart (its firing record, from
    /// detector::announce_firing): listed by alerts_json(true) and shown by
    /// `pulso_alerts_firing` like an emitted one, so its resolution later finds it. Not passed
    /// to `inner` (the record was published before the restart), not a new entry of the
    /// history or the SSE stream, not counted in `pulso_alerts_total`. False (and counted as
    /// a parse error) for anything but a firing alert record.
    bool restore_firing(std::string_view json);

    /// JSON array of window records, oldest first: `brand` empty = every brand (and `*`);
    /// window_start in [since, until); at most `limit` (the newest ones).
    [[nodiscard]] std::string windows_json(std::string_view brand, millis since, millis until,
                                           std::size_t limit) const;
    /// JSON array of trend records: without `since` those of the latest window that had
    /// trends, ranked; with it every trend record whose window starts at or after `since`.
    [[nodiscard]] std::string trends_json(std::optional<millis> since) const;
    /// JSON array of alert records: `firing_only` → the latest record of each alert whose
    /// latest record is firing; otherwise every stored alert record, oldest first.
    [[nodiscard]] std::string alerts_json(bool firing_only) const;
    /// JSON array `[{"brand":…, "latest_window":{…}|null}, …]` for `brands`, or for every
    /// brand seen in the history (without `*`) when `brands` is empty.
    [[nodiscard]] std::string brands_json(const std::vector<std::string>& brands) const;

    /// A new SSE subscriber; it receives records emitted after this call. Dropping the last
    /// shared_ptr unsubscribes.
    [[nodiscard]] std::shared_ptr<history_subscription> subscribe();

    [[nodiscard]] history_stats stats() const;

  private:
    struct entry {
        record_kind kind;
        std::string json;
        std::string brand; ///< window/alert brand, trend scope
        millis window_start = 0;
        millis window_end = 0;
        std::size_t bytes = 0;
    };
    struct alert_state {
        std::string json;
        std::uint64_t seq = 0;
    };

    void evict_locked();

    history_options opts_;
    record_sink* inner_;
    metrics* metrics_;
    mutable std::mutex mu_;
    std::deque<entry> records_;
    std::size_t bytes_ = 0;
    millis newest_end_ = k_min_event_time;
    millis latest_trend_start_ = -1;
    std::map<std::string, std::string, std::less<>> latest_window_; ///< brand → window JSON
    std::map<std::string, alert_state, std::less<>> firing_;        ///< alert id → latest
    std::vector<std::weak_ptr<history_subscription>> subscribers_;
    std::string frame_;
    std::uint64_t seq_ = 0;
    history_stats counts_;
};

} // namespace pulso::http
