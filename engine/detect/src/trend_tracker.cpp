#include "pulso/detect/trend_tracker.h"

#include "pulso/core/hash.h"
#include "pulso/detect/baseline.h"
#include "serial.h"

#include <algorithm>
#include <cmath>

namespace pulso {

namespace {
constexpr double k_evict_below = 0.01;
constexpr std::int64_t k_sweep_every = 32;
} // namespace

double trend_tracker::decayed(const item_state& s, std::int64_t w, double alpha) const noexcept {
    const std::int64_t gap = w - s.last - 1; // windows since the last update, `w` excluded
    return gap <= 0 ? s.ewma : s.ewma * std::pow(1.0 - alpha, static_cast<double>(gap));
}

double trend_tracker::correction(std::int64_t w, double alpha) const noexcept {
    // The EWMA started at 0 with the scope: after k windows its weights sum to 1 − (1 − α)^k.
    const std::int64_t k = w - start_;
    if (k <= 0) {
        return 0.0;
    }
    const double weight = 1.0 - std::pow(1.0 - alpha, static_cast<double>(k));
    return weight > 0.0 ? 1.0 / weight : 0.0;
}

double trend_tracker::baseline_of(std::string_view item, std::int64_t w,
                                  double alpha) const noexcept {
    const auto it = items_.find(space_saving<std::string>::hash_key(item));
    if (it == items_.end()) {
        return 0.0;
    }
    return decayed(it->second, w, alpha) * correction(w, alpha);
}

void trend_tracker::observe(std::int64_t w, const space_saving<std::string>& items,
                            std::uint64_t authors, const trend_params& p,
                            const std::function<bool(std::string_view)>& skip,
                            std::vector<trend_candidate>& out) {
    out.clear();
    const bool warm = w - start_ >= static_cast<std::int64_t>(p.min_windows);
    const double corr = correction(w, p.alpha);
    for (const auto& c : items.items()) {
        const std::string_view key = c.key;
        // A lower bound of the true count (exact while the sketch holds ≤ capacity items).
        const std::uint64_t count = c.count - c.error;
        auto [it, inserted] = items_.try_emplace(c.hash); // == space_saving::hash_key(key)
        item_state& s = it->second;
        if (inserted) {
            s.item.assign(key);
            s.ewma = 0.0;
            s.last = w - 1;
        }
        // Whether the scope leaves the item out is asked once per tracked item (it is a
        // lookup in the brand's keyword set: not free at 10,000 brands).
        if (s.skip == skip_state::unknown) {
            s.skip = skip && skip(key) ? skip_state::yes : skip_state::no;
        }
        const double base = decayed(s, w, p.alpha);
        const double expected = base * corr;
        const auto x = static_cast<double>(count);
        const double score = (x + p.smoothing) / (expected + p.smoothing);
        const double z = anscombe(x) - anscombe(expected);
        if (s.skip == skip_state::no && warm && count >= p.min_count &&
            std::min(count, authors) >= p.min_authors && score >= p.min_score && z >= p.min_z) {
            out.push_back(trend_candidate{s.item, count, expected, score, z});
        }
        // The current window's update: the decayed value, then one EWMA step towards x.
        s.ewma = base * (1.0 - p.alpha) + p.alpha * x;
        s.last = w;
    }
    const auto by_rank = [](const trend_candidate& a, const trend_candidate& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        if (a.count != b.count) {
            return a.count > b.count;
        }
        return a.item < b.item;
    };
    const std::size_t k = std::min<std::size_t>(p.top_n, out.size());
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(),
                      by_rank);
    out.resize(k);
    evict(w, p);
}

void trend_tracker::evict(std::int64_t w, const trend_params& p) {
    const bool sweep = w - last_sweep_ >= k_sweep_every;
    if (!sweep && items_.size() <= p.max_items) {
        return;
    }
    if (sweep) {
        last_sweep_ = w;
        for (auto it = items_.begin(); it != items_.end();) {
            // Items updated this window stay: their candidates may point at their strings.
            if (it->second.last != w && decayed(it->second, w + 1, p.alpha) < k_evict_below) {
                it = items_.erase(it);
            } else {
                ++it;
            }
        }
    }
    if (items_.size() <= p.max_items) {
        return;
    }
    // Over the cap: evict the smallest baselines among items not updated this window, so
    // the strings of this window's candidates stay valid.
    scratch_.clear();
    for (const auto& [h, s] : items_) {
        if (s.last != w) {
            scratch_.emplace_back(decayed(s, w + 1, p.alpha), h);
        }
    }
    const std::size_t excess = std::min(items_.size() - p.max_items, scratch_.size());
    std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(excess),
                     scratch_.end());
    for (std::size_t i = 0; i < excess; ++i) {
        items_.erase(scratch_[i].second);
    }
}

void trend_tracker::save(std::string& out) const {
    detail::put_i64(out, start_);
    detail::put_i64(out, last_sweep_);
    // Sorted by hash so equal states give equal bytes.
    std::vector<std::uint64_t> keys;
    keys.reserve(items_.size());
    for (const auto& kv : items_) {
        keys.push_back(kv.first);
    }
    std::sort(keys.begin(), keys.end());
    detail::put_u64(out, keys.size());
    for (const std::uint64_t k : keys) {
        const item_state& s = items_.at(k);
        detail::put_str(out, s.item);
        detail::put_f64(out, s.ewma);
        detail::put_i64(out, s.last);
    }
}

bool trend_tracker::restore(std::string_view in, std::size_t& pos) {
    std::int64_t start = 0;
    std::int64_t sweep = 0;
    std::uint64_t n = 0;
    if (!detail::get_i64(in, pos, start) || !detail::get_i64(in, pos, sweep) ||
        !detail::get_u64(in, pos, n) || n > in.size()) {
        return false;
    }
    std::unordered_map<std::uint64_t, item_state> items;
    items.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
        item_state s;
        if (!detail::get_str(in, pos, s.item) || !detail::get_f64(in, pos, s.ewma) ||
            !detail::get_i64(in, pos, s.last)) {
            return false;
        }
        const std::uint64_t h = space_saving<std::string>::hash_key(s.item);
        items.emplace(h, std::move(s));
    }
    start_ = start;
    last_sweep_ = sweep;
    items_ = std::move(items);
    return true;
}

} // namespace pulso
