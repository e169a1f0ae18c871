#pragma once

#include "pulso/parse/mention_parser.h"
#include "pulso/pipeline/dead_letter.h"
#include "pulso/pipeline/enricher.h"
#include "pulso/pipeline/ingest_stats.h"
#include "pulso/window/partition_windows.h"

#include <string>
#include <string_view>

namespace pulso {

struct processor_options {
    parse_options parse;
    bool check_future = false; ///< run mode: reject mentions too far ahead of the wall clock
    millis max_future_skew = 300'000;
};

/// The per-mention path of an ingest worker (DESIGN §2–4): parse → reject or enrich →
/// dedupe/late check → fold into the partition's windows. noexcept in spirit: bad input is a
/// counted outcome and a dead-letter line, never an exception.
/// @thread owner (one ingest worker)
class mention_processor {
  public:
    mention_processor(const processor_options& opts, const brand_matcher& matcher,
                      const lexicon_scorer& scorer);

    /// Processes one record. On rejection appends a dead-letter line (with '\n') to `dlq`.
    /// `final_wm` is the global watermark (CONTRACT §4), `now` the clock the future_timestamp
    /// check measures against (run mode).
    reject_reason process(std::string_view record, bool padded, partition_windows& windows,
                          millis final_wm, millis now, const record_origin& origin,
                          std::string& dlq);

    /// Live reload: match with `matcher` from the next record on; brand counters grow.
    void set_matcher(const brand_matcher& matcher);

    /// Counts a record rejected before parsing (e.g. an oversized line the reader skipped)
    /// and appends its dead-letter line.
    void reject(const parse_status& st, std::string_view payload, const record_origin& origin,
                std::string& dlq);

    [[nodiscard]] const ingest_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] ingest_stats& stats() noexcept { return stats_; }
    /// The parsed mention and its normalised text of the last accepted record (for tests).
    [[nodiscard]] const mention& last_mention() const noexcept { return mention_; }

  private:
    processor_options opts_;
    mention_parser parser_;
    enricher enricher_;
    mention mention_;
    ingest_stats stats_;
};

} // namespace pulso
