#pragma once

#include "pulso/core/time.h"
#include "pulso/pipeline/ingest_stats.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::http {

/// Consumer lag of one assigned Kafka partition.
struct partition_lag {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t lag = 0; ///< high watermark minus committed/position offset, in messages
};

/// State of one output sink (Kafka topic producer, Alertmanager, webhook, …).
struct sink_status {
    std::string sink; ///< label value, e.g. `windows`, `alertmanager`
    std::uint64_t queue_depth = 0;
    std::uint64_t errors = 0; ///< cumulative
};

/// Records ingested by one source (`kafka`, `file`, `http`), cumulative.
struct source_count {
    std::string source;
    std::uint64_t ingested = 0;
};

/// What the engine reports at scrape time. Every counter is cumulative since start; the
/// per-worker counters are summed by the provider (STYLE: no shared atomics on the hot path).
struct metrics_snapshot {
    ingest_stats ingest;             ///< summed over the ingest workers
    std::vector<std::string> brands; ///< brand names by id: the index order of
                                     ///< ingest.brand_mentions
    /// Ingested records per source. When empty, ingest.ingested is reported as
    /// `source="kafka"`.
    std::vector<source_count> sources;
    std::vector<partition_lag> kafka_lag;
    double watermark_lag_seconds = 0.0; ///< wall clock minus the global watermark
    std::vector<sink_status> sinks;
};

/// Returns the current snapshot. Called on the HTTP I/O thread once per scrape; it must be
/// thread-safe with respect to the engine (e.g. read snapshots the workers hand off).
using snapshot_fn = std::function<metrics_snapshot()>;

/// The metrics of CONTRACT §8. Two halves:
/// - scrape-time: a prometheus::Collectable that turns a metrics_snapshot into counter and gauge
///   families (ingest, rejects, duplicates, late, brand mentions, Kafka lag, watermark lag,
///   sinks), so the hot path only ever bumps plain per-worker integers;
/// - publisher-time: prometheus-cpp objects updated once per window / alert transition by the
///   history (brand window gauges, alert gauge and counter, publish-delay histogram) plus
///   `pulso_build_info`.
/// Owned by the service; must outlive the http_server and the history that use it.
/// @thread any (prometheus-cpp objects are thread-safe; the snapshot function is called on the
/// scraping thread)
class metrics {
  public:
    /// `version` labels pulso_build_info. `snapshot` may be empty (the scrape-time families
    /// are then exported with zero values).
    explicit metrics(std::string version, snapshot_fn snapshot = {});
    ~metrics();
    metrics(const metrics&) = delete;
    metrics& operator=(const metrics&) = delete;

    /// The registry, for other components that want to add their own prometheus-cpp metrics;
    /// they are exported by serialize() as well.
    [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const noexcept {
        return registry_;
    }
    /// Adds another collectable exported by serialize() (held weakly).
    void add_collectable(const std::shared_ptr<prometheus::Collectable>& c);

    /// A final window of `brand` (not `*`): sets brand_window_mentions and brand_negative_share.
    void observe_window(std::string_view brand, std::uint64_t mentions, std::uint64_t negative);
    /// Seconds from a window's end to its publication (observed once per window).
    void observe_publish_delay(double seconds);
    /// An alert transition. `newly_firing`: a firing record for an alert not yet firing
    /// (counts in alerts_total). `firing` false: resolved.
    void observe_alert(std::string_view brand, std::string_view rule, std::string_view severity,
                       bool firing, bool newly_firing);

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    [[nodiscard]] std::string serialize() const;

  private:
    class snapshot_collector;

    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<snapshot_collector> collector_;
    prometheus::Family<prometheus::Gauge>* window_mentions_;
    prometheus::Family<prometheus::Gauge>* negative_share_;
    prometheus::Family<prometheus::Gauge>* alerts_firing_;
    prometheus::Family<prometheus::Counter>* alerts_total_;
    prometheus::Histogram* publish_delay_;
    mutable std::mutex mu_; ///< guards extra_
    std::vector<std::weak_ptr<prometheus::Collectable>> extra_;
};

} // namespace pulso::http
