#pragma once

#include "pulso/window/brand_window.h"
#include "pulso/window/window_types.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace pulso {

/// The sealed contribution of one input partition to one window: `*` plus every brand that
/// had a mention there. Moved from a worker to the publisher.
struct window_partial {
    millis start = 0;
    millis end = 0;
    std::int32_t partition = 0;
    std::unique_ptr<brand_window> all;                                           ///< brand `*`
    std::vector<std::pair<std::uint32_t, std::unique_ptr<brand_window>>> brands; ///< by id asc
};

inline constexpr millis k_no_watermark = std::numeric_limits<millis>::min();

/// Event-time window state of one input partition (DESIGN "the unit of state is the
/// partition"): open windows keyed by start, per brand; the partition's greatest event time;
/// the dedupe table of ids accepted within dedupe_horizon.
///
/// Finality is decided outside (CONTRACT §4: the watermark is the minimum over active
/// partitions): callers pass `final_wm`, the global watermark; a window [s, e) is final when
/// e + allowed_lateness <= final_wm.
/// @thread owner (one ingest worker)
class partition_windows {
  public:
    partition_windows(const window_options& opts, std::uint32_t brand_count,
                      std::int32_t partition = 0);
    ~partition_windows();

    /// Dedupe, then late check, then fold into every window containing the event time that
    /// is not final. Duplicate: the id was accepted on this partition and the partition's
    /// greatest event time minus that acceptance's event time is within dedupe_horizon.
    /// Late: every window containing the mention is final. Late mentions are remembered for
    /// dedupe too. Updates the greatest event time for all non-duplicates.
    [[nodiscard]] fold_result add(const enriched_mention& em, millis final_wm);

    /// Greatest event time seen minus max_out_of_order; k_no_watermark before any mention.
    [[nodiscard]] millis local_watermark() const noexcept;
    /// Greatest event time seen; k_no_watermark before any mention.
    [[nodiscard]] millis max_event_time() const noexcept;

    /// Moves every window final at `final_wm` into `out`, oldest first.
    void seal(millis final_wm, std::vector<window_partial>& out);
    /// Moves every open window into `out` (end of a finite input).
    void seal_all(std::vector<window_partial>& out);

    /// A live reload added brands: ids below `brand_count` are valid from now on. Ids only
    /// grow (a removed brand keeps its id, retired), so open windows stay as they are.
    void set_brand_count(std::uint32_t brand_count);

    /// Smallest input offset of any mention that sits in a still-open window, or -1 when no
    /// window is open (DESIGN "Delivery semantics": the committable offset).
    [[nodiscard]] std::int64_t min_open_offset() const noexcept;
    [[nodiscard]] std::size_t open_windows() const noexcept;

    /// Takes back the brand windows of a partial this shard sealed (or any partial), resets
    /// them and keeps them on a free list for later windows, so a pipeline that hands spent
    /// partials back to their worker allocates no brand_window in steady state. The free list
    /// is capped (see README); the rest is freed.
    void recycle(window_partial&& p);
    /// Brand windows waiting on the free list.
    [[nodiscard]] std::size_t free_brand_windows() const noexcept;
    /// Ids held by the dedupe table, and its slot count (for tests and metrics).
    [[nodiscard]] std::size_t dedupe_entries() const noexcept;
    [[nodiscard]] std::size_t dedupe_slots() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Merges partials of the same window from all partitions (publisher side).
/// @thread publisher
class window_merger {
  public:
    explicit window_merger(const window_options& opts);
    ~window_merger();

    /// Folds a partial in; the merged partial of a window reports partition -1.
    void add(window_partial&& p);
    /// Moves every window with end + allowed_lateness <= `through` out, merged, oldest
    /// first. A window nobody contributed to produces nothing.
    void complete(millis through, std::vector<window_partial>& out);
    void complete_all(std::vector<window_partial>& out);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace pulso
