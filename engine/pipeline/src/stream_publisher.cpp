#include "pulso/pipeline/stream_publisher.h"

#include <algorithm>
#include <limits>

namespace pulso {

stream_publisher::stream_publisher(const stream_options& opts, const brand_matcher& matcher,
                                   stream_watermarks& wm,
                                   std::vector<spsc_ring<worker_message>*> rings, record_sink& sink,
                                   detector* det, std::int32_t partition_count)
    : opts_(opts), wm_(wm), rings_(std::move(rings)), merger_(opts.windows),
      publisher_(matcher, sink, det), partition_count_(partition_count) {
    latest_.resize(rings_.size());
    for (std::size_t i = 0; i < latest_.size(); ++i) {
        latest_[i].worker = static_cast<std::uint32_t>(i);
    }
}

std::size_t stream_publisher::step() {
    std::size_t handled = 0;
    for (spsc_ring<worker_message>* ring : rings_) {
        while (auto m = ring->try_pop()) {
            ++handled;
            if (auto* p = std::get_if<window_partial>(&*m)) {
                if (p->end + opts_.windows.allowed_lateness <= completed_) {
                    ++stale_; // already published without it: see README (hand-offs)
                    continue;
                }
                merger_.add(std::move(*p));
            } else {
                handle(std::move(std::get<worker_progress>(*m)));
            }
        }
    }
    if (handled != 0) {
        if (before_publish_) {
            before_publish_();
        }
        recompute();
    }
    return handled;
}

void stream_publisher::handle(worker_progress&& p) {
    for (const partition_progress& r : p.released) {
        millis& v = released_.try_emplace(r.partition, k_no_watermark).first->second;
        v = std::max(v, r.sealed_through);
    }
    if (p.worker < latest_.size()) {
        latest_[p.worker] = std::move(p);
    }
}

void stream_publisher::recompute() {
    const auto n = static_cast<std::size_t>(std::max(partition_count_, 0));
    constexpr millis k_top = std::numeric_limits<millis>::max();
    struct agg {
        bool present = false;
        bool active = false;
        millis local = k_top;
        millis sealed = k_top;
    };
    std::vector<agg> parts(n);
    for (const worker_progress& w : latest_) {
        for (const partition_progress& r : w.partitions) {
            if (r.partition < 0 || static_cast<std::size_t>(r.partition) >= n) {
                continue;
            }
            agg& a = parts[static_cast<std::size_t>(r.partition)];
            a.present = true;
            a.active = a.active || !r.idle;
            a.local = std::min(a.local, r.local_wm);
            millis sealed = r.sealed_through;
            if (r.handoff != k_no_watermark) {
                const auto it = released_.find(r.partition);
                if (it == released_.end() || it->second < r.handoff) {
                    sealed = k_no_watermark; // the previous owner's last partials are in flight
                }
            }
            a.sealed = std::min(a.sealed, sealed);
        }
    }
    // Global watermark: min over active partitions; all idle: max of the idle ones.
    millis active_min = k_top;
    millis idle_max = k_no_watermark;
    bool any_active = false;
    bool all_present = n > 0;
    millis through = k_top;
    for (const agg& a : parts) {
        if (!a.present) {
            all_present = false;
            continue;
        }
        if (a.active) {
            any_active = true;
            active_min = std::min(active_min, a.local);
        } else {
            idle_max = std::max(idle_max, a.local);
        }
        through = std::min(through, a.sealed);
    }
    // A partition's commit metadata says every window through it was delivered, by this
    // process or by one before a crash. Partitions commit at their own pace, so another
    // partition's metadata may be older: it re-reads records of windows that are already out
    // while this partition skips them, and its partials would make a smaller copy of a
    // published window. Such windows are dropped here, never published again.
    for (const worker_progress& w : latest_) {
        for (const partition_progress& r : w.partitions) {
            restored_ = std::max(restored_, r.restored);
        }
    }
    if (restored_ > completed_) {
        ready_.clear();
        merger_.complete(restored_, ready_);
        stale_ += ready_.size();
        ready_.clear();
        completed_ = restored_;
    }
    const millis g = any_active ? active_min : idle_max;
    if (g != k_top && g > global_) {
        global_ = g;
        // release: publishes the new global watermark; pairs with the workers' acquire loads
        // in begin_batch()/tick().
        wm_.global.store(global_, std::memory_order_release);
    }
    // Only when every partition of the topic is owned here and has sealed through a window
    // can that window be complete (DESIGN "Scale-out": past one process that is the
    // aggregate role's job).
    if (all_present && through != k_top && through > completed_) {
        ready_.clear();
        merger_.complete(through, ready_);
        for (const window_partial& w : ready_) {
            publisher_.publish(w);
        }
        ready_.clear();
        completed_ = through;
    }
}

void stream_publisher::mark_delivered() noexcept {
    if (completed_ > wm_.published.load(std::memory_order_relaxed)) {
        // release: every record of windows up to completed_ was delivered before this store;
        // pairs with the acquire in stream_worker::committable()/on_revoked().
        wm_.published.store(completed_, std::memory_order_release);
    }
}

stream_publisher_stats stream_publisher::stats() const {
    stream_publisher_stats s;
    std::int64_t lag = 0;
    for (const worker_progress& w : latest_) {
        s.ingest.add(w.stats);
        s.skipped += w.skipped;
        if (w.lag < 0 || lag < 0) {
            lag = w.partitions.empty() ? lag : -1;
        } else {
            lag += w.lag;
        }
        s.partitions_reported += w.partitions.size();
    }
    s.lag = lag;
    s.global_wm = global_;
    s.completed_through = completed_;
    s.published_wm = wm_.published.load(std::memory_order_relaxed);
    s.windows_published = publisher_.windows_published();
    s.records_published = publisher_.records_published();
    s.stale_partials = stale_;
    s.partition_count = partition_count_;
    return s;
}

} // namespace pulso
