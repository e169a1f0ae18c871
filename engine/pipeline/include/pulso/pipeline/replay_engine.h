#pragma once

#include "pulso/config/config.h"
#include "pulso/pipeline/mention_processor.h"
#include "pulso/pipeline/publisher.h"
#include "pulso/pipeline/record_sink.h"

#include <memory>
#include <string>
#include <vector>

namespace pulso {

/// `pulso replay`: the engine over one finite NDJSON input as one partition in event time
/// (CONTRACT §6). Same parse → enrich → window → merge → publish path as the service, run on
/// the calling thread. At finish() every open window is final (CONTRACT §4).
/// @thread owner
class replay_engine {
  public:
    replay_engine(const config& cfg, record_sink& sink, std::string input_name);
    ~replay_engine();

    /// One input line; `line_index` is its 0-based position in the input (the dead-letter
    /// offset). White-space-only lines are skipped.
    void feed(std::string_view line, std::int64_t line_index, bool padded);
    /// A line the reader did not keep whole (over ingest.max_record_bytes): `too_large`.
    void feed_oversized(std::string_view prefix, std::int64_t line_index);
    /// Publishes every open window.
    void finish();

    [[nodiscard]] const ingest_stats& stats() const noexcept { return processor_.stats(); }
    [[nodiscard]] std::uint64_t windows_published() const noexcept {
        return publisher_.windows_published();
    }
    [[nodiscard]] std::uint64_t records_published() const noexcept {
        return publisher_.records_published();
    }
    /// The detector fed by the publisher (snapshot, firing alerts).
    [[nodiscard]] detector& detection() noexcept { return detector_; }

  private:
    void seal(millis wm);
    void publish_ready(millis through, bool all);

    std::string input_name_;
    record_sink& sink_;
    window_options wopts_;
    std::unique_ptr<brand_matcher> matcher_;
    mention_processor processor_;
    partition_windows windows_;
    window_merger merger_;
    detector detector_;
    publisher publisher_;
    std::vector<window_partial> sealed_;
    std::vector<window_partial> ready_;
    std::string dlq_;
    millis next_seal_ = k_no_watermark;
};

/// Window options of a config (CONTRACT §2 windows, watermark, dedupe, detect).
window_options window_options_of(const config& cfg);
/// Processor options of a config.
processor_options processor_options_of(const config& cfg, bool run_mode);

} // namespace pulso
