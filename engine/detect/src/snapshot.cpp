#include "detector_state.h"
#include "pulso/core/hash.h"
#include "serial.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace pulso {

namespace {

constexpr std::string_view k_magic = "PULSODET";
// v2: the window size and slide follow the version (a snapshot of other windows is refused).
// v3: each rule state also carries the firing record of its episode (empty when not firing).
// v4: a checksum of everything before it ends the snapshot (a damaged file is refused whole
// instead of restoring plausible but wrong baselines).
// Versions 2 and 3 are still read (v2's firing alerts have no record; neither has a checksum).
constexpr std::uint32_t k_version = 4;
constexpr std::uint32_t k_first_checksummed = 4;
constexpr std::uint64_t k_checksum_seed = 0x70756c736f646574ULL; // "pulsodet"
constexpr std::uint32_t k_oldest_version = 2;

void put_count(std::string& out, const count_baseline& c) {
    detail::put_f64(out, c.level);
    detail::put_f64(out, c.dispersion);
    detail::put_u32(out, c.updates);
    detail::put_u32(out, c.pushed);
    for (const float v : c.ring_observed) {
        detail::put_f32(out, v);
    }
    for (const float v : c.ring_expected) {
        detail::put_f32(out, v);
    }
}

bool get_count(std::string_view in, std::size_t& pos, count_baseline& c) {
    bool ok = detail::get_f64(in, pos, c.level) && detail::get_f64(in, pos, c.dispersion) &&
              detail::get_u32(in, pos, c.updates) && detail::get_u32(in, pos, c.pushed);
    for (float& v : c.ring_observed) {
        ok = ok && detail::get_f32(in, pos, v);
    }
    for (float& v : c.ring_expected) {
        ok = ok && detail::get_f32(in, pos, v);
    }
    return ok;
}

} // namespace

void detector::save_brand(std::string& out, const brand_state& b) const {
    put_count(out, b.mentions);
    put_count(out, b.negatives);
    detail::put_f64(out, b.share.negatives);
    detail::put_f64(out, b.share.mentions);
    detail::put_u32(out, b.share.updates);
    detail::put_f64(out, b.reach.level);
    detail::put_u32(out, b.reach.updates);
    detail::put_u32(out, b.windows);
    for (const rule_state& r : b.rules) {
        detail::put_u32(out, r.streak);
        detail::put_u32(out, r.calm);
        detail::put_u32(out, r.cooldown);
        detail::put_u32(out, r.firing_for);
        detail::put_i64(out, r.since);
        detail::put_u8(out, r.firing ? 1 : 0);
        detail::put_u8(out, static_cast<std::uint8_t>(r.severity));
        detail::put_str(out, r.firing ? std::string_view(r.record) : std::string_view());
    }
    detail::put_u32(out, static_cast<std::uint32_t>(b.seasonal.size()));
    for (const float f : b.seasonal) {
        detail::put_f32(out, f);
    }
    detail::put_u8(out, b.trends ? 1 : 0);
    if (b.trends) {
        b.trends->hashtags.save(out);
        b.trends->terms.save(out);
    }
}

bool detector::restore_brand(std::string_view in, std::size_t& pos, brand_state& b,
                             std::uint32_t version) const {
    if (!get_count(in, pos, b.mentions) || !get_count(in, pos, b.negatives) ||
        !detail::get_f64(in, pos, b.share.negatives) ||
        !detail::get_f64(in, pos, b.share.mentions) || !detail::get_u32(in, pos, b.share.updates) ||
        !detail::get_f64(in, pos, b.reach.level) || !detail::get_u32(in, pos, b.reach.updates) ||
        !detail::get_u32(in, pos, b.windows)) {
        return false;
    }
    for (rule_state& r : b.rules) {
        std::uint8_t firing = 0;
        std::uint8_t severity = 0;
        if (!detail::get_u32(in, pos, r.streak) || !detail::get_u32(in, pos, r.calm) ||
            !detail::get_u32(in, pos, r.cooldown) || !detail::get_u32(in, pos, r.firing_for) ||
            !detail::get_i64(in, pos, r.since) || !detail::get_u8(in, pos, firing) ||
            !detail::get_u8(in, pos, severity) || firing > 1 || severity > 1) {
            return false;
        }
        r.firing = firing == 1;
        r.severity = static_cast<alert_severity>(severity);
        if (version >= 3 && !detail::get_str(in, pos, r.record)) {
            return false;
        }
    }
    std::uint32_t seasonal = 0;
    if (!detail::get_u32(in, pos, seasonal) ||
        (seasonal != 0 && seasonal != 2 * k_hours_per_week)) {
        return false;
    }
    b.seasonal.assign(seasonal, 1.0F);
    for (float& f : b.seasonal) {
        if (!detail::get_f32(in, pos, f)) {
            return false;
        }
    }
    // A snapshot taken without seasonality restored into a detector with it: start flat.
    if (cfg_.seasonality && b.seasonal.empty()) {
        b.seasonal.assign(2 * k_hours_per_week, 1.0F);
    } else if (!cfg_.seasonality) {
        b.seasonal.clear();
    }
    std::uint8_t has_trends = 0;
    if (!detail::get_u8(in, pos, has_trends) || has_trends > 1) {
        return false;
    }
    if (has_trends == 1) {
        b.trends = std::make_unique<scope_trends>(0);
        if (!b.trends->hashtags.restore(in, pos) || !b.trends->terms.restore(in, pos)) {
            return false;
        }
    }
    return true;
}

void detector::save(std::string& out) const {
    const std::size_t begin = out.size(); // `out` may hold something before the snapshot
    out.append(k_magic);
    detail::put_u32(out, k_version);
    detail::put_i64(out, size_);
    detail::put_i64(out, slide_);
    detail::put_i64(out, last_index_);
    detail::put_u8(out, has_last_ ? 1 : 0);
    detail::put_u64(out, windows_);
    detail::put_u8(out, all_trends_ ? 1 : 0);
    if (all_trends_) {
        all_trends_->hashtags.save(out);
        all_trends_->terms.save(out);
    }
    detail::put_u32(out, static_cast<std::uint32_t>(brands_.size()));
    for (const std::uint32_t id : by_name_) {
        detail::put_str(out, matcher_->brand_name(id));
        save_brand(out, *brands_[id]);
    }
    detail::put_u64(out, hash64(std::string_view(out).substr(begin), k_checksum_seed));
}

bool detector::restore(std::string_view in, std::string* why) {
    const auto refuse = [why](std::string reason) {
        if (why != nullptr) {
            *why = std::move(reason);
        }
        return false;
    };
    std::size_t pos = 0;
    if (in.substr(0, k_magic.size()) != k_magic) {
        return refuse("not a detector snapshot");
    }
    pos = k_magic.size();
    std::uint32_t version = 0;
    std::int64_t size = 0;
    std::int64_t slide = 0;
    std::int64_t last = 0;
    std::uint8_t has_last = 0;
    std::uint64_t windows = 0;
    std::uint8_t has_all = 0;
    if (!detail::get_u32(in, pos, version)) {
        return refuse("truncated snapshot");
    }
    if (version < k_oldest_version || version > k_version) {
        return refuse("snapshot version " + std::to_string(version) + ", this build reads " +
                      std::to_string(k_oldest_version) + " to " + std::to_string(k_version));
    }
    if (version >= k_first_checksummed) {
        std::uint64_t stored = 0;
        if (in.size() < pos + sizeof stored) {
            return refuse("truncated snapshot");
        }
        std::size_t at = in.size() - sizeof stored;
        if (!detail::get_u64(in, at, stored) ||
            stored != hash64(in.substr(0, in.size() - sizeof stored), k_checksum_seed)) {
            return refuse("corrupt snapshot (checksum mismatch)");
        }
        in.remove_suffix(sizeof stored); // the rest is read as a version 3 snapshot
    }
    if (!detail::get_i64(in, pos, size) || !detail::get_i64(in, pos, slide)) {
        return refuse("truncated snapshot");
    }
    if (size != size_ || slide != slide_) {
        return refuse("snapshot of " + std::to_string(size) + " ms windows sliding by " +
                      std::to_string(slide) + " ms; configured: " + std::to_string(size_) +
                      " ms by " + std::to_string(slide_) + " ms");
    }
    if (!detail::get_i64(in, pos, last) || !detail::get_u8(in, pos, has_last) ||
        !detail::get_u64(in, pos, windows) || !detail::get_u8(in, pos, has_all) || has_last > 1 ||
        has_all > 1) {
        return refuse("corrupt snapshot header");
    }
    std::unique_ptr<scope_trends> all;
    if (has_all == 1) {
        all = std::make_unique<scope_trends>(0);
        if (!all->hashtags.restore(in, pos) || !all->terms.restore(in, pos)) {
            return refuse("corrupt snapshot");
        }
    }
    std::unordered_map<std::string_view, std::uint32_t> ids;
    for (std::uint32_t id = 0; id < brands_.size(); ++id) {
        ids.emplace(matcher_->brand_name(id), id);
    }
    std::uint32_t count = 0;
    if (!detail::get_u32(in, pos, count)) {
        return refuse("corrupt snapshot");
    }
    std::vector<std::unique_ptr<brand_state>> fresh(brands_.size());
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string name;
        auto b = std::make_unique<brand_state>();
        if (!detail::get_str(in, pos, name) || !restore_brand(in, pos, *b, version)) {
            return refuse("corrupt snapshot");
        }
        const auto it = ids.find(name);
        if (it != ids.end()) {
            fresh[it->second] = std::move(b);
        }
    }
    if (pos != in.size()) {
        return refuse("corrupt snapshot");
    }
    for (std::uint32_t id = 0; id < fresh.size(); ++id) {
        if (!fresh[id]) {
            fresh[id] = std::make_unique<brand_state>();
            if (cfg_.seasonality) {
                fresh[id]->seasonal.assign(2 * k_hours_per_week, 1.0F);
            }
        }
    }
    brands_ = std::move(fresh);
    all_trends_ = std::move(all);
    last_index_ = last;
    has_last_ = has_last == 1;
    windows_ = windows;
    return true;
}

} // namespace pulso
