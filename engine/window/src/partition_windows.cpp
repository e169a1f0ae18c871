#include "pulso/window/partition_windows.h"

#include "pulso/core/assert.h"
#include "pulso/core/hash.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <new>
#include <sys/mman.h>

namespace pulso {

namespace {

/// One (id hash → accepted event time) slot; hash 0 marks an empty slot.
struct dedupe_slot {
    std::uint64_t hash = 0;
    millis time = 0;
};

constexpr std::size_t k_dedupe_min_slots = 1024;

/// Allocator for the dedupe table: blocks of 2 MiB and more are 2 MiB-aligned and advised as
/// transparent huge pages. The table is tens of MiB of random probes (one per mention); with
/// 4 KiB pages nearly every probe also misses the TLB, and the page walk showed as much as
/// the cache miss itself. Where THP is off the advice is ignored: same results, slower.
template <class T> struct huge_page_allocator {
    using value_type = T;
    static constexpr std::size_t k_huge = std::size_t{2} << 20;

    huge_page_allocator() = default;
    template <class U> explicit huge_page_allocator(const huge_page_allocator<U>& /*other*/) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < k_huge) {
            return static_cast<T*>(::operator new(bytes));
        }
        const std::size_t rounded = (bytes + k_huge - 1) / k_huge * k_huge;
        void* p = std::aligned_alloc(k_huge, rounded);
        if (p == nullptr) {
            throw std::bad_alloc();
        }
        (void)::madvise(p, rounded, MADV_HUGEPAGE); // a hint: failure changes nothing
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < k_huge) {
            ::operator delete(p);
        } else {
            std::free(p);
        }
    }
    template <class U> bool operator==(const huge_page_allocator<U>& /*other*/) const noexcept {
        return true;
    }
};

/// One open window of the partition: `*`, per-brand windows indexed by brand id, the ids
/// touched (to hand them out in id order), and the smallest input offset folded into it.
struct open_window {
    millis start = 0;
    std::unique_ptr<brand_window> all;
    std::vector<std::unique_ptr<brand_window>> by_brand;
    std::vector<std::uint32_t> touched;
    std::int64_t min_offset = 0;
};

} // namespace

struct partition_windows::impl {
    window_options opts;
    std::uint32_t brand_count;
    std::int32_t partition;
    millis max_event = k_no_watermark;
    millis wm_floor = k_no_watermark; ///< greatest final_wm seen: finality never goes back

    std::vector<std::unique_ptr<open_window>> windows; ///< by start ascending
    std::vector<std::unique_ptr<open_window>> spare_windows;
    /// Reset brand windows for reuse. `*` windows are kept apart: they see every mention, so
    /// their buffers are the largest and reusing them for `*` again avoids growing others.
    std::vector<std::unique_ptr<brand_window>> free_list;
    std::vector<std::unique_ptr<brand_window>> free_all;
    std::size_t free_cap;
    std::size_t free_all_cap;

    std::vector<std::uint64_t> hash_storage; ///< key_hashes of the mention being folded
    key_hashes kh;                           ///< points into hash_storage
    std::vector<brand_window*> targets;      ///< windows the mention being folded goes into
    std::vector<open_window*> found;         ///< open windows peek() found for the mention

    std::vector<dedupe_slot, huge_page_allocator<dedupe_slot>> dedupe;
    std::vector<dedupe_slot> dedupe_scratch;
    std::size_t dedupe_count = 0;

    impl(const window_options& o, std::uint32_t brands, std::int32_t part)
        : opts(o), brand_count(brands), partition(part) {
        PULSO_ASSERT(opts.size > 0 && opts.slide > 0 && opts.slide <= opts.size,
                     "bad window size {} / slide {}", opts.size, opts.slide);
        PULSO_ASSERT(opts.allowed_lateness >= 0 && opts.max_out_of_order >= 0 &&
                         opts.dedupe_horizon >= 0,
                     "negative lateness, out-of-order bound or dedupe horizon");
        const auto per_mention =
            static_cast<std::size_t>((opts.size + opts.slide - 1) / opts.slide);
        free_cap = static_cast<std::size_t>(brand_count) * (per_mention + 1);
        free_all_cap = per_mention + 1;
        dedupe.resize(k_dedupe_min_slots);
    }

    std::unique_ptr<brand_window> take(std::vector<std::unique_ptr<brand_window>>& list,
                                       window_scope scope) {
        if (!list.empty()) {
            std::unique_ptr<brand_window> w = std::move(list.back());
            list.pop_back();
            return w;
        }
        return std::make_unique<brand_window>(opts, scope);
    }

    static void give_back(std::unique_ptr<brand_window> w,
                          std::vector<std::unique_ptr<brand_window>>& list, std::size_t cap) {
        if (w && list.size() < cap) {
            w->reset();
            list.push_back(std::move(w));
        }
    }

    static std::uint64_t dedupe_hash(std::string_view id) noexcept {
        const std::uint64_t h = hash64(id);
        return h == 0 ? 1 : h; // 0 marks an empty slot
    }

    /// Hints the cache about the slot dedupe_check_insert(h, …) probes first. The table is far
    /// larger than the caches (an id per mention over 10 minutes), so this is a memory miss
    /// that add() overlaps with hashing the keys and finding the target windows.
    void dedupe_prefetch(std::uint64_t h) const noexcept {
        __builtin_prefetch(&dedupe[static_cast<std::size_t>(h) & (dedupe.size() - 1)]);
    }

    /// True when the id of hash `h` (from dedupe_hash) was accepted within the horizon;
    /// otherwise records it as accepted at `t`.
    bool dedupe_check_insert(std::uint64_t h, millis t) {
        for (;;) {
            const std::size_t mask = dedupe.size() - 1;
            std::size_t i = static_cast<std::size_t>(h) & mask;
            while (dedupe[i].hash != 0) {
                if (dedupe[i].hash == h) {
                    if (max_event - dedupe[i].time <= opts.dedupe_horizon) {
                        return true;
                    }
                    dedupe[i].time = t; // expired: accepted again from now on
                    return false;
                }
                i = (i + 1) & mask;
            }
            if ((dedupe_count + 1) * 2 > dedupe.size()) {
                dedupe_rebuild();
                continue; // slots moved: probe again
            }
            dedupe[i] = dedupe_slot{h, t};
            ++dedupe_count;
            return false;
        }
    }

    /// Drops expired ids, then sizes the table so that live ids fill at most a quarter of it
    /// (at least a quarter of the table is inserted before the next rebuild: amortised O(1)),
    /// shrinking it again after a burst.
    void dedupe_rebuild() {
        dedupe_scratch.clear();
        for (const dedupe_slot& s : dedupe) {
            if (s.hash != 0 && max_event - s.time <= opts.dedupe_horizon) {
                dedupe_scratch.push_back(s);
            }
        }
        std::size_t slots = dedupe.size();
        while (dedupe_scratch.size() * 4 > slots) {
            slots *= 2;
        }
        while (slots > k_dedupe_min_slots && dedupe_scratch.size() * 16 < slots) {
            slots /= 2;
        }
        dedupe.assign(slots, dedupe_slot{});
        const std::size_t mask = slots - 1;
        for (const dedupe_slot& s : dedupe_scratch) {
            std::size_t i = static_cast<std::size_t>(s.hash) & mask;
            while (dedupe[i].hash != 0) {
                i = (i + 1) & mask;
            }
            dedupe[i] = s;
        }
        dedupe_count = dedupe_scratch.size();
    }

    [[nodiscard]] bool is_final(millis start, millis final_wm) const noexcept {
        return start + opts.size + opts.allowed_lateness <= final_wm;
    }

    open_window& window_at(millis start, std::int64_t offset) {
        // Most mentions go to the newest windows: search from the back.
        auto it = windows.end();
        while (it != windows.begin() && (*std::prev(it))->start > start) {
            --it;
        }
        if (it != windows.begin() && (*std::prev(it))->start == start) {
            open_window& w = **std::prev(it);
            w.min_offset = std::min(w.min_offset, offset);
            return w;
        }
        std::unique_ptr<open_window> w;
        if (!spare_windows.empty()) {
            w = std::move(spare_windows.back());
            spare_windows.pop_back();
        } else {
            w = std::make_unique<open_window>();
        }
        if (w->by_brand.size() < brand_count) {
            w->by_brand.resize(brand_count); // brands added by a reload since it was made
        }
        w->start = start;
        w->all = take(free_all, window_scope::all);
        w->min_offset = offset;
        return **windows.insert(it, std::move(w));
    }

    /// Finds, without changing anything, the brand windows the mention would go into when they
    /// all exist already (the common case): fills `found` and `targets` and returns true.
    /// Otherwise returns false and leaves `targets` empty.
    bool peek(const enriched_mention& em, millis first_start, millis last_start, millis wm) {
        auto it = windows.end();
        for (millis start = last_start; start >= first_start; start -= opts.slide) {
            if (is_final(start, wm)) {
                break; // so are all older ones
            }
            while (it != windows.begin() && (*std::prev(it))->start > start) {
                --it;
            }
            if (it == windows.begin() || (*std::prev(it))->start != start) {
                break;
            }
            open_window& w = **std::prev(it);
            for (const std::uint32_t b : em.brands) {
                if (b >= w.by_brand.size() || !w.by_brand[b]) {
                    found.clear();
                    return false;
                }
            }
            found.push_back(&w);
        }
        // Every non-final window holding t must have been found (newest first above).
        millis need = 0;
        for (millis start = first_start; start <= last_start; start += opts.slide) {
            need += is_final(start, wm) ? 0 : 1;
        }
        if (static_cast<millis>(found.size()) != need) {
            found.clear();
            return false;
        }
        // Same order as collect(): oldest window first, `*` before its brands.
        for (std::size_t i = found.size(); i-- > 0;) {
            open_window& w = *found[i];
            targets.push_back(w.all.get());
            for (const std::uint32_t b : em.brands) {
                targets.push_back(w.by_brand[b].get());
            }
        }
        return true;
    }

    /// Collects the brand windows of `w` the mention goes into (creating them as needed).
    void collect(open_window& w, const enriched_mention& em) {
        targets.push_back(w.all.get());
        for (const std::uint32_t b : em.brands) {
            PULSO_ASSERT(b < brand_count, "brand id {} out of range ({} brands)", b, brand_count);
            if (b >= w.by_brand.size()) {
                w.by_brand.resize(brand_count); // opened before a reload added brands
            }
            std::unique_ptr<brand_window>& bw = w.by_brand[b];
            if (!bw) {
                bw = take(free_list, window_scope::brand);
                w.touched.push_back(b);
            }
            targets.push_back(bw.get());
        }
    }

    /// Folds into every collected window. Sketches of many brands do not stay in cache, so the
    /// misses are issued together first (index slots, then the counters they point to).
    void prefetch_targets() const noexcept {
        for (const brand_window* w : targets) {
            w->prefetch(kh);
        }
    }

    /// Phase 2 of the cache hints: the counters the prefetched index slots point to.
    void prefetch_target_counters() const noexcept {
        for (const brand_window* w : targets) {
            w->prefetch_counters(kh);
        }
    }

    /// Folds into every collected window (their sketches prefetched already).
    void fold_targets(const enriched_mention& em) {
        for (brand_window* w : targets) {
            w->add(em, kh);
        }
        targets.clear();
    }

    void emit(std::unique_ptr<open_window> w, std::vector<window_partial>& out) {
        window_partial& p = out.emplace_back();
        p.start = w->start;
        p.end = w->start + opts.size;
        p.partition = partition;
        p.all = std::move(w->all);
        std::sort(w->touched.begin(), w->touched.end());
        p.brands.reserve(w->touched.size());
        for (const std::uint32_t b : w->touched) {
            p.brands.emplace_back(b, std::move(w->by_brand[b]));
        }
        w->touched.clear();
        spare_windows.push_back(std::move(w));
    }
};

void partition_windows::set_brand_count(std::uint32_t brand_count) {
    PULSO_ASSERT(brand_count >= impl_->brand_count, "brand ids are never removed ({} < {})",
                 brand_count, impl_->brand_count);
    impl_->brand_count = brand_count;
}

partition_windows::partition_windows(const window_options& opts, std::uint32_t brand_count,
                                     std::int32_t partition)
    : impl_(std::make_unique<impl>(opts, brand_count, partition)) {}

partition_windows::~partition_windows() = default;

fold_result partition_windows::add(const enriched_mention& em, millis final_wm) {
    impl& s = *impl_;
    const millis t = em.m->created_at;
    // The dedupe slot is a memory miss: start it, then do the work that does not depend on its
    // answer and changes nothing (hash the keys, find the target windows and start their
    // sketch misses), and only then look at the slot.
    const std::uint64_t id_hash = impl::dedupe_hash(em.m->id);
    s.dedupe_prefetch(id_hash);
    s.kh.compute(em, s.hash_storage);

    const millis wm = std::max(s.wm_floor, final_wm);
    const millis size = s.opts.size;
    const millis slide = s.opts.slide;
    const millis last_start = floor_div(t, slide) * slide;
    const millis first_start = (floor_div(t - size, slide) + 1) * slide;
    const bool late = s.is_final(last_start, wm); // the newest window holding t: so are all
    const bool peeked = !late && s.peek(em, first_start, last_start, wm);
    if (peeked) {
        // Both phases before the dedupe slot is read: reading the index slots waits for them,
        // but that wait overlaps the dedupe miss, and the counters then arrive during it.
        s.prefetch_targets();
        s.prefetch_target_counters();
    }

    if (s.dedupe_check_insert(id_hash, t)) {
        s.targets.clear();
        s.found.clear();
        return fold_result::duplicate;
    }
    s.max_event = std::max(s.max_event, t);
    s.wm_floor = wm;
    if (late) {
        return fold_result::late;
    }
    if (peeked) {
        for (open_window* w : s.found) {
            w->min_offset = std::min(w->min_offset, em.offset);
        }
        s.found.clear();
    } else {
        for (millis start = first_start; start <= last_start; start += slide) {
            if (!s.is_final(start, wm)) {
                s.collect(s.window_at(start, em.offset), em);
            }
        }
        s.prefetch_targets();
        s.prefetch_target_counters();
    }
    s.fold_targets(em);
    return fold_result::folded;
}

millis partition_windows::local_watermark() const noexcept {
    return impl_->max_event == k_no_watermark ? k_no_watermark
                                              : impl_->max_event - impl_->opts.max_out_of_order;
}

millis partition_windows::max_event_time() const noexcept {
    return impl_->max_event;
}

void partition_windows::seal(millis final_wm, std::vector<window_partial>& out) {
    impl& s = *impl_;
    s.wm_floor = std::max(s.wm_floor, final_wm);
    std::size_t n = 0;
    while (n < s.windows.size() && s.is_final(s.windows[n]->start, s.wm_floor)) {
        s.emit(std::move(s.windows[n]), out);
        ++n;
    }
    s.windows.erase(s.windows.begin(), s.windows.begin() + static_cast<std::ptrdiff_t>(n));
}

void partition_windows::seal_all(std::vector<window_partial>& out) {
    impl& s = *impl_;
    for (auto& w : s.windows) {
        s.emit(std::move(w), out);
    }
    s.windows.clear();
}

std::int64_t partition_windows::min_open_offset() const noexcept {
    std::int64_t best = -1;
    for (const auto& w : impl_->windows) {
        if (best < 0 || w->min_offset < best) {
            best = w->min_offset;
        }
    }
    return best;
}

std::size_t partition_windows::open_windows() const noexcept {
    return impl_->windows.size();
}

void partition_windows::recycle(window_partial&& p) {
    impl& s = *impl_;
    // Each window goes back to the list of its kind (a partial from elsewhere may differ).
    const auto give = [&s](std::unique_ptr<brand_window> w) {
        if (w && w->scope() == window_scope::all) {
            impl::give_back(std::move(w), s.free_all, s.free_all_cap);
        } else {
            impl::give_back(std::move(w), s.free_list, s.free_cap);
        }
    };
    give(std::move(p.all));
    for (auto& [id, w] : p.brands) {
        give(std::move(w));
    }
    p.brands.clear();
}

std::size_t partition_windows::free_brand_windows() const noexcept {
    return impl_->free_list.size() + impl_->free_all.size();
}

std::size_t partition_windows::dedupe_entries() const noexcept {
    return impl_->dedupe_count;
}

std::size_t partition_windows::dedupe_slots() const noexcept {
    return impl_->dedupe.size();
}

// ---------------------------------------------------------------------------------------------

struct window_merger::impl {
    window_options opts;
    std::map<millis, window_partial> pending; ///< by window start

    static void merge_into(window_partial& into, window_partial& p) {
        if (p.all) {
            if (into.all) {
                into.all->merge(*p.all);
            } else {
                into.all = std::move(p.all);
            }
        }
        std::vector<std::pair<std::uint32_t, std::unique_ptr<brand_window>>> merged;
        merged.reserve(into.brands.size() + p.brands.size());
        auto a = into.brands.begin();
        auto b = p.brands.begin();
        while (a != into.brands.end() || b != p.brands.end()) {
            if (b == p.brands.end() || (a != into.brands.end() && a->first < b->first)) {
                merged.push_back(std::move(*a++));
            } else if (a == into.brands.end() || b->first < a->first) {
                merged.push_back(std::move(*b++));
            } else {
                a->second->merge(*b->second);
                merged.push_back(std::move(*a++));
                ++b;
            }
        }
        into.brands = std::move(merged);
    }

    void release(std::map<millis, window_partial>::iterator it, std::vector<window_partial>& out) {
        out.push_back(std::move(it->second));
        pending.erase(it);
    }
};

window_merger::window_merger(const window_options& opts) : impl_(std::make_unique<impl>()) {
    impl_->opts = opts;
}

window_merger::~window_merger() = default;

void window_merger::add(window_partial&& p) {
    auto [it, inserted] = impl_->pending.try_emplace(p.start);
    if (inserted) {
        it->second = std::move(p);
    } else {
        impl::merge_into(it->second, p);
    }
    it->second.partition = -1;
}

void window_merger::complete(millis through, std::vector<window_partial>& out) {
    impl& s = *impl_;
    while (!s.pending.empty()) {
        auto it = s.pending.begin();
        if (it->second.end + s.opts.allowed_lateness > through) {
            break;
        }
        s.release(it, out);
    }
}

void window_merger::complete_all(std::vector<window_partial>& out) {
    while (!impl_->pending.empty()) {
        impl_->release(impl_->pending.begin(), out);
    }
}

} // namespace pulso
