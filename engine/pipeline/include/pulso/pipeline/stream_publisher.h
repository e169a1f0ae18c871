#pragma once

#include "pulso/pipeline/publisher.h"
#include "pulso/pipeline/stream_worker.h"

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace pulso {

/// What the publisher of `pulso run` knows, for the progress line and metrics.
struct stream_publisher_stats {
    ingest_stats ingest;       ///< summed over the workers' latest snapshots
    std::uint64_t skipped = 0; ///< re-read records already published before
    std::int64_t lag = 0;      ///< consumer lag summed over workers (-1: unknown)
    millis global_wm = k_no_watermark;
    millis completed_through = k_no_watermark; ///< windows up to here handed to the sink
    millis published_wm = k_no_watermark;      ///< ... and confirmed delivered
    std::uint64_t windows_published = 0;
    std::uint64_t records_published = 0;
    /// Partials of windows already completed, or already published before a restart (dropped).
    std::uint64_t stale_partials = 0;
    std::size_t partitions_reported = 0; ///< input partitions owned by this process's workers
    std::int32_t partition_count = 0;    ///< input partitions of the topic
};

/// The publisher thread's engine of `pulso run` (DESIGN §5–7): pops every worker's ring,
/// keeps each worker's latest progress, computes the global watermark (min over active
/// partitions' local watermarks; when all are idle, the max of them, so a drained topic still
/// finalises what its watermark passed) and stores it for the workers, merges partials and
/// publishes every window that all `partition_count` partitions have sealed through, in
/// window order. `mark_delivered()` — called by its loop once the sink confirmed delivery of
/// everything emitted so far — advances the published watermark the workers commit behind.
/// @thread publisher
class stream_publisher {
  public:
    /// `rings` are the workers' rings, indexed by worker id. `det` may be null.
    stream_publisher(const stream_options& opts, const brand_matcher& matcher,
                     stream_watermarks& wm, std::vector<spsc_ring<worker_message>*> rings,
                     record_sink& sink, detector* det, std::int32_t partition_count);

    /// Drains the rings, updates the watermarks and publishes what is complete. Returns the
    /// number of ring messages handled.
    std::size_t step();
    /// Everything emitted into the sink so far is delivered.
    void mark_delivered() noexcept;

    /// Live reload: brand names (and the detector's brands) from `matcher` from the next
    /// window on. Call on the publisher thread.
    void set_matcher(const brand_matcher& matcher) { publisher_.set_matcher(matcher); }
    /// Called after the rings are drained and before anything is published: the run loop
    /// applies a pending live reload here, so that a partial from a worker that already
    /// uses new rules is never published with older ones.
    void set_before_publish(std::function<void()> f) { before_publish_ = std::move(f); }

    /// The topic's partition count changed (metadata refresh).
    void set_partition_count(std::int32_t n) noexcept { partition_count_ = n; }

    [[nodiscard]] stream_publisher_stats stats() const;
    [[nodiscard]] millis completed_through() const noexcept { return completed_; }

  private:
    void handle(worker_progress&& p);
    void recompute();

    stream_options opts_;
    stream_watermarks& wm_;
    std::vector<spsc_ring<worker_message>*> rings_;
    window_merger merger_;
    publisher publisher_;
    std::int32_t partition_count_;
    std::vector<worker_progress> latest_;     ///< by worker id
    std::map<std::int32_t, millis> released_; ///< greatest release per partition
    std::vector<window_partial> ready_;
    std::function<void()> before_publish_;
    millis global_ = k_no_watermark;
    millis completed_ = k_no_watermark;
    millis restored_ = k_no_watermark; ///< greatest published watermark in any commit metadata
    std::uint64_t stale_ = 0;
};

} // namespace pulso
