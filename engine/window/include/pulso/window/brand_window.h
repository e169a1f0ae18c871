#pragma once

#include "pulso/window/hyperloglog.h"
#include "pulso/window/space_saving.h"
#include "pulso/window/window_types.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulso {

/// One author, mention or hit kept as evidence (copied out of the mention view).
struct evidence_item {
    std::string id;     ///< mention id
    std::string author; ///< handle when present, else author id
    std::uint64_t followers = 0;
    float score = 0.0F;
};

/// Hashes of one mention's keys, computed once and shared by every window it folds into.
struct key_hashes {
    std::uint64_t author = 0;                ///< hash64(author_id)
    std::span<const std::uint64_t> hashtags; ///< space_saving<std::string>::hash_key of each
    std::span<const std::uint64_t> terms;
    std::uint64_t cluster = 0; ///< space_saving<std::uint64_t>::hash_key(cluster_key)

    /// Fills `storage` (capacity reused) and points the spans into it.
    void compute(const enriched_mention& em, std::vector<std::uint64_t>& storage);
};

/// Which aggregate a brand_window is. No output reads the clusters or the evidence lists of
/// `*` (its window record has neither; detection reads them per brand only), and `*` sees
/// every mention, so an `all` window does not fold them: add() leaves `clusters` and the four
/// evidence lists empty. merge() and reset() treat both kinds alike.
enum class window_scope : std::uint8_t { brand, all };

/// The aggregate of one brand (or `*`) in one window: exact counters, a HyperLogLog of
/// authors, Space-Saving top-K of hashtags, terms and repost/identical-text clusters, and
/// bounded evidence lists. Mergeable (partials of one window from several partitions).
/// Memory: bounded by sketch_capacity × (2 string counters) + HLL (≤ 64 KiB) + small lists;
/// see engine/window/README.md for the figure.
/// @thread owner (a worker while open, the publisher once sealed)
class brand_window {
  public:
    explicit brand_window(const window_options& opts, window_scope scope = window_scope::brand);

    /// Folds one mention. Steady state allocates nothing (capacity is reused after reset()).
    void add(const enriched_mention& em);
    /// add() with the key hashes computed by the caller (`kh` must come from `em`).
    void add(const enriched_mention& em, const key_hashes& kh);
    /// Cache hints for a coming add(em, kh): phase 1 the sketch index slots, phase 2 the
    /// counters they point to. Folding several windows, hint all of them first so their cache
    /// misses overlap. No effect on results.
    void prefetch(const key_hashes& kh) const noexcept;
    void prefetch_counters(const key_hashes& kh) const noexcept;
    /// Adds another partial of the same window and brand.
    void merge(const brand_window& other);
    /// Empties the state, keeping capacity, for reuse by a later window.
    void reset();
    [[nodiscard]] window_scope scope() const noexcept { return scope_; }

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
    /// Space-Saving finds every cluster above 1/capacity of the window's mentions; the
    /// evidence only asks whether one post dominates (shares of 20 % and more), so 64 counters
    /// are plenty and keep the always-evicting sketch (most texts are unique) cheap.
    static constexpr std::size_t k_cluster_capacity = 64;
    space_saving<std::uint64_t> clusters; ///< by cluster_key: the largest repost/text cluster

    static constexpr std::size_t k_evidence = 5;
    std::vector<evidence_item> top_authors;      ///< ≤ 5 distinct authors, most followers first
    std::vector<evidence_item> negative_samples; ///< ≤ 5 negative mentions, most reach first
    std::vector<evidence_item> samples;          ///< ≤ 5 mentions, most reach first
    std::vector<evidence_item> influencer_hits;  ///< ≤ 5 negative mentions with followers ≥
                                                 ///< influencer_followers, most followers first

    /// Orders evidence: most followers first, then id, author and score ascending (a total
    /// order, so the lists do not depend on arrival or merge order).
    [[nodiscard]] static bool evidence_before(const evidence_item& a,
                                              const evidence_item& b) noexcept;

  private:
    /// What add() needs from the options, copied so a sealed window outlives its shard.
    std::uint64_t influencer_followers_;
    window_scope scope_;
    /// Strings moved out of evidence items by reset(), reused by later insertions.
    std::vector<std::string> spare_strings_;

    void insert_evidence(std::vector<evidence_item>& list, const evidence_item& item,
                         bool distinct_author);
    void insert_evidence(std::vector<evidence_item>& list, std::string_view id,
                         std::string_view author, std::uint64_t followers, float score,
                         bool distinct_author);
    void recycle(std::vector<evidence_item>& list);
};

} // namespace pulso
