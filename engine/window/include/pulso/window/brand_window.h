#pragma once

#include "pulso/window/hyperloglog.h"
#include "pulso/window/space_saving.h"
#include "pulso/window/window_types.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pulso {

/// One author, mention or hit kept as evidence (copied out of the mention view).
struct evidence_item {
    std::string id;        ///< mention id
    std::string author;    ///< handle when present, else author id
    std::uint64_t followers = 0;
    float score = 0.0F;
};

/// The aggregate of one brand (or `*`) in one window: exact counters, a HyperLogLog of
/// authors, Space-Saving top-K of hashtags, terms and repost/identical-text clusters, and
/// bounded evidence lists. Mergeable (partials of one window from several partitions).
/// Memory: bounded by sketch_capacity × (2 string counters) + HLL (≤ 64 KiB) + small lists;
/// see engine/window/README.md for the figure.
/// @thread owner (a worker while open, the publisher once sealed)
class brand_window {
  public:
    explicit brand_window(const window_options& opts);

    /// Folds one mention. Steady state allocates nothing (capacity is reused after reset()).
    void add(const enriched_mention& em);
    /// Adds another partial of the same window and brand.
    void merge(const brand_window& other);
    /// Empties the state, keeping capacity, for reuse by a later window.
    void reset();

    std::uint64_t mentions = 0;
    std::array<std::uint64_t, 3> sentiment{}; ///< indexed by sentiment_class
    std::uint64_t reach = 0;
    std::uint64_t engagement = 0;
    std::uint64_t reposts = 0;
    double score_sum = 0.0; ///< sum of sentiment scores (mean = score_sum / mentions)
    std::array<std::uint64_t, k_platform_count> platforms{};
    std::vector<std::pair<lang_code, std::uint64_t>> languages; ///< small, unsorted

    hyperloglog authors;
    space_saving<std::string> hashtags;
    space_saving<std::string> terms;
    space_saving<std::uint64_t> clusters; ///< by cluster_key: the largest repost/text cluster

    static constexpr std::size_t k_evidence = 5;
    std::vector<evidence_item> top_authors;      ///< ≤ 5 distinct authors, most followers first
    std::vector<evidence_item> negative_samples; ///< ≤ 5 negative mentions, most reach first
    std::vector<evidence_item> samples;          ///< ≤ 5 mentions, most reach first
    std::vector<evidence_item> influencer_hits;  ///< ≤ 5 negative mentions with followers ≥
                                                 ///< influencer_followers, most followers first

  private:
    const window_options* opts_;
};

} // namespace pulso
