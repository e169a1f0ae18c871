#pragma once

#include "pulso/window/space_saving.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pulso {

/// The knobs of trend detection (copied from config::detect_t::trends).
struct trend_params {
    std::uint32_t top_n = 10;
    std::uint64_t min_count = 10;
    std::uint64_t min_authors = 3;
    double min_score = 3.0;
    double min_z = 3.0;
    double smoothing = 5.0;
    double alpha = 0.1;
    std::uint32_t min_windows = 5;
    std::size_t max_items = 5000;
};

/// One rising item of a window.
struct trend_candidate {
    std::string_view item; ///< valid until the tracker or the window is next modified
    std::uint64_t count = 0;
    double baseline = 0.0; ///< expected count per window before this one
    double score = 0.0;    ///< (count + smoothing) / (baseline + smoothing)
    double z = 0.0;        ///< A(count) − A(baseline)
};

/// Per-item baselines of one scope (`*` or a brand) and one kind (hashtags or terms).
///
/// Each item has an EWMA of its per-window count. Decay is lazy: an item absent for g windows
/// has its baseline multiplied by (1 − α)^g when next seen, so a window costs O(items in the
/// window), not O(items tracked). The EWMA starts at 0 when the scope starts and is read
/// bias-corrected (divided by 1 − (1 − α)^k after k windows), so items present from the
/// start are not "rising" when the warm-up ends, while an item new later has a true baseline
/// of ~0. Memory is bounded: every 32 windows items whose baseline decayed below 0.01 are
/// dropped, and past `max_items` the smallest baselines are evicted.
/// @thread publisher (owned by the detector)
class trend_tracker {
  public:
    explicit trend_tracker(std::int64_t start_window = 0) : start_(start_window) {}

    /// Scores the items of window `w` (a window index; increasing), updates their baselines
    /// and writes the rising ones to `out` (cleared first), best first, at most top_n:
    /// score descending, then count descending, then item ascending. An item rises when the
    /// scope has ≥ min_windows windows, count ≥ min_count, min(count, authors) ≥ min_authors,
    /// score ≥ min_score and z ≥ min_z. `skip` leaves items out (a brand's own keywords).
    void observe(std::int64_t w, const space_saving<std::string>& items, std::uint64_t authors,
                 const trend_params& p, const std::function<bool(std::string_view)>& skip,
                 std::vector<trend_candidate>& out);

    [[nodiscard]] std::size_t tracked() const noexcept { return items_.size(); }
    /// The bias-corrected baseline an item would have at window `w` (0 if not tracked).
    [[nodiscard]] double baseline_of(std::string_view item, std::int64_t w,
                                     double alpha) const noexcept;

    void save(std::string& out) const;
    /// Reads what save() wrote at `pos`, advancing it; false on malformed input.
    bool restore(std::string_view in, std::size_t& pos);

  private:
    /// Whether `skip` leaves an item out: asked when the item is first tracked (and again
    /// after a restore, since the brand rules may have changed).
    enum class skip_state : std::uint8_t { unknown, no, yes };
    struct item_state {
        std::string item;
        skip_state skip = skip_state::unknown;
        double ewma = 0.0;     ///< raw EWMA after the update at window `last`
        std::int64_t last = 0; ///< window index of the last update
    };
    [[nodiscard]] double decayed(const item_state& s, std::int64_t w, double alpha) const noexcept;
    [[nodiscard]] double correction(std::int64_t w, double alpha) const noexcept;
    void evict(std::int64_t w, const trend_params& p);

    std::int64_t start_;
    std::int64_t last_sweep_ = 0;
    std::unordered_map<std::uint64_t, item_state> items_; ///< by hash64(item)
    std::vector<std::pair<double, std::uint64_t>> scratch_;
};

} // namespace pulso
