#include "pulso/detect/detector.h"

#include "detector_state.h"
#include "pulso/core/assert.h"
#include "pulso/core/hash.h"
#include "pulso/core/json_writer.h"
#include "pulso/core/time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

namespace pulso {

namespace {

/// Windows missing between two published ones are stepped as empty, at most this many (a day
/// of minutes); beyond that the baselines have decayed anyway.
constexpr std::int64_t k_max_gap_windows = 1440;
constexpr std::size_t k_evidence_items = 5;

std::uint32_t to_u32(std::int64_t v) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, 0xFFFFFFFF));
}

struct rule_knobs {
    std::uint32_t persistence;
    std::uint32_t resolve_windows;
    std::uint32_t cooldown;
};

} // namespace

baseline_params baseline_params_of(const config::detect_t& cfg) {
    baseline_params p;
    p.alpha = cfg.baseline_alpha;
    p.clip_sigma = cfg.clip_sigma;
    p.overdispersion = cfg.overdispersion;
    p.score_windows = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
        cfg.score_windows, 1, static_cast<std::int64_t>(count_baseline::k_max_score_windows)));
    return p;
}

trend_params trend_params_of(const config::detect_t& cfg) {
    trend_params p;
    p.top_n = to_u32(cfg.trends.top_n);
    p.min_count = static_cast<std::uint64_t>(std::max<std::int64_t>(cfg.trends.min_count, 0));
    p.min_authors = static_cast<std::uint64_t>(std::max<std::int64_t>(cfg.trends.min_authors, 0));
    p.min_score = cfg.trends.min_score;
    p.min_z = cfg.trends.min_z;
    p.smoothing = cfg.trends.smoothing;
    p.alpha = cfg.trends.alpha;
    p.min_windows = to_u32(cfg.trends.min_windows);
    p.max_items = static_cast<std::size_t>(std::max<std::int64_t>(cfg.trends.max_items, 1));
    return p;
}

detector::detector(const config::detect_t& cfg, const brand_matcher& matcher, millis window_size,
                   millis slide)
    : cfg_(cfg), matcher_(&matcher), size_(window_size), slide_(slide),
      bp_(baseline_params_of(cfg)), tp_(trend_params_of(cfg)) {
    PULSO_ASSERT(window_size > 0 && slide > 0, "detector: window size {} / slide {}", window_size,
                 slide);
    index_brands();
    candidates_.reserve(tp_.top_n + 16);
    top_.reserve(16);
}

void detector::index_brands() {
    const std::size_t n = matcher_->brand_count();
    PULSO_ASSERT(n >= brands_.size(), "brand ids are never removed ({} < {})", n, brands_.size());
    while (brands_.size() < n) {
        auto b = std::make_unique<brand_state>();
        if (cfg_.seasonality) {
            b->seasonal.assign(2 * k_hours_per_week, 1.0F);
        }
        brands_.push_back(std::move(b));
    }
    by_name_.resize(n);
    std::iota(by_name_.begin(), by_name_.end(), 0U);
    std::sort(by_name_.begin(), by_name_.end(), [&](std::uint32_t a, std::uint32_t b) {
        return matcher_->brand_name(a) < matcher_->brand_name(b);
    });
    slots_.reserve(n);
}

void detector::set_matcher(const brand_matcher& matcher) {
    matcher_ = &matcher;
    index_brands();
}

void detector::set_config(const config::detect_t& cfg) {
    const bool seasonality = cfg_.seasonality; // not reloadable: the factors' shape depends on it
    cfg_ = cfg;
    cfg_.seasonality = seasonality;
    bp_ = baseline_params_of(cfg_);
    tp_ = trend_params_of(cfg_);
}

detector::~detector() = default;

void detector::on_window(const window_partial& merged, detection_sink& out) {
    const std::int64_t idx = floor_div(merged.start, slide_);
    if (has_last_) {
        if (idx <= last_index_) {
            return; // already seen (e.g. replayed after a restore)
        }
        const std::int64_t gap = std::min(idx - last_index_ - 1, k_max_gap_windows);
        for (std::int64_t i = idx - gap; i < idx; ++i) {
            step(i * slide_, i * slide_ + size_, nullptr, out);
        }
    }
    step(merged.start, merged.end, &merged, out);
}

void detector::step(millis start, millis end, const window_partial* merged, detection_sink& out) {
    const std::int64_t w = floor_div(start, slide_);
    slots_.assign(brands_.size(), nullptr);
    if (merged != nullptr) {
        for (const auto& [id, bw] : merged->brands) {
            if (bw && id < slots_.size()) {
                slots_[id] = bw.get();
            }
        }
    }
    const int hour = cfg_.seasonality ? hour_of_week(start) : 0;
    char ts[32];
    ts_start_.assign(ts, format_rfc3339(start, ts));
    ts_end_.assign(ts, format_rfc3339(end, ts));
    for (const std::uint32_t id : by_name_) {
        step_brand(id, slots_[id], start, end, hour, out);
    }
    if (cfg_.trends.enabled && merged != nullptr) {
        if (!all_trends_) {
            all_trends_ = std::make_unique<scope_trends>(w);
        }
        if (merged->all) {
            step_trends(w, "*", -1, *all_trends_, *merged->all, out);
        }
        if (cfg_.trends.brands) {
            for (const std::uint32_t id : by_name_) {
                const brand_window* bw = slots_[id];
                if (bw == nullptr || bw->mentions == 0) {
                    continue;
                }
                brand_state& b = *brands_[id];
                if (!b.trends) {
                    b.trends = std::make_unique<scope_trends>(w);
                }
                step_trends(w, matcher_->brand_name(id), id, *b.trends, *bw, out);
            }
        }
    }
    last_index_ = w;
    has_last_ = true;
    ++windows_;
}

void detector::step_brand(std::uint32_t id, const brand_window* bw, millis start, millis end,
                          int hour, detection_sink& out) {
    brand_state& s = *brands_[id];
    const double m = bw != nullptr ? static_cast<double>(bw->mentions) : 0.0;
    const double n = bw != nullptr
                         ? static_cast<double>(
                               bw->sentiment[static_cast<std::size_t>(sentiment_class::negative)])
                         : 0.0;
    const double authors = bw != nullptr ? static_cast<double>(bw->authors.estimate()) : 0.0;
    const double cluster_share =
        bw != nullptr && bw->mentions > 0
            ? static_cast<double>(bw->clusters.max_count()) / static_cast<double>(bw->mentions)
            : 0.0;
    // One viral post (a repost or copy-paste cluster) is not a crowd: count rules stand down.
    const bool crowd = cluster_share <= cfg_.max_cluster_share;

    float* season_m = s.seasonal.empty() ? nullptr : &s.seasonal[static_cast<std::size_t>(hour)];
    float* season_n = s.seasonal.empty()
                          ? nullptr
                          : &s.seasonal[k_hours_per_week + static_cast<std::size_t>(hour)];
    const double fm = season_m != nullptr ? static_cast<double>(*season_m) : 1.0;
    const double fn = season_n != nullptr ? static_cast<double>(*season_n) : 1.0;
    const count_score cm = s.mentions.observe(m, fm, bp_);
    const count_score cn = s.negatives.observe(n, fn, bp_);

    const auto count_rule = [&](const config::detect_t::rule_t& r, const count_score& c) {
        rule_eval e;
        e.value = c.observed;
        e.baseline = c.expected;
        e.score = c.z;
        e.factor = c.factor();
        e.observed = c.observed;
        e.expected = c.expected;
        e.cluster_share = cluster_share;
        e.mentions = m;
        const auto floor = static_cast<double>(r.min_count);
        e.cond = crowd && c.observed >= floor && c.observed >= r.factor * c.expected &&
                 authors >= static_cast<double>(r.min_authors) && c.z >= r.z;
        e.hold = c.observed >= floor && c.observed >= r.resolve_factor * c.expected;
        e.critical = e.factor >= r.critical_factor || c.z >= r.critical_z;
        return e;
    };

    if (cfg_.volume_spike.enabled) {
        rule_eval e = count_rule(cfg_.volume_spike, cm);
        // A negative spike adds volume too: when the negative_spike condition holds, the
        // volume alert needs the other mentions alone to pass its gate, so one incident is
        // reported once (a campaign, or a crowd that is not only angry, still fires).
        if (e.cond && cfg_.negative_spike.enabled && count_rule(cfg_.negative_spike, cn).cond) {
            e.cond = m - n >= cfg_.volume_spike.factor * std::max(cm.expected - cn.expected, 0.0);
        }
        transition(id, alert_rule::volume_spike, e, bw, start, end, out);
    }
    if (cfg_.negative_spike.enabled) {
        transition(id, alert_rule::negative_spike, count_rule(cfg_.negative_spike, cn), bw, start,
                   end, out);
    }
    if (cfg_.negative_share.enabled) {
        const auto& r = cfg_.negative_share;
        const double p0 = s.share.share();
        const double share = m > 0.0 ? n / m : 0.0;
        rule_eval e;
        e.integral = false;
        e.value = share;
        e.baseline = p0;
        e.score = s.share.z(n, m, cfg_.overdispersion);
        e.factor = share / p0;
        e.observed = n;
        e.expected = m * p0;
        e.cluster_share = cluster_share;
        e.mentions = m;
        const auto floor = static_cast<double>(r.min_count);
        e.cond = crowd && m >= floor && share >= r.factor * p0 && share - p0 >= r.min_delta &&
                 authors >= static_cast<double>(r.min_authors) && e.score >= r.z;
        e.hold = m >= floor && share >= r.resolve_factor * p0;
        e.critical = e.factor >= r.critical_factor || e.score >= r.critical_z;
        transition(id, alert_rule::negative_share, e, bw, start, end, out);
    }
    if (cfg_.influencer.enabled) {
        const auto threshold = static_cast<std::uint64_t>(cfg_.influencer_followers);
        rule_eval e;
        std::uint64_t hits = 0;
        std::uint64_t top = 0;
        if (bw != nullptr) {
            for (const evidence_item& h : bw->influencer_hits) {
                if (h.followers >= threshold) {
                    ++hits;
                    top = std::max(top, h.followers);
                }
            }
        }
        e.value = static_cast<double>(top);
        e.baseline = static_cast<double>(threshold);
        e.factor =
            static_cast<double>(top) / static_cast<double>(std::max<std::uint64_t>(threshold, 1));
        e.score = e.factor;
        e.observed = static_cast<double>(hits);
        e.expected = 0.0;
        e.cluster_share = cluster_share;
        e.mentions = m;
        e.cond = hits >= static_cast<std::uint64_t>(cfg_.influencer.min_count);
        e.hold = hits >= 1;
        e.critical = top >= static_cast<std::uint64_t>(cfg_.influencer.critical_followers);
        transition(id, alert_rule::influencer, e, bw, start, end, out);
    }

    // Baselines learn after the rules looked: frozen while their alert fires (so a long
    // spike does not become the norm), released after freeze_max_windows (a lasting new
    // level is then learnt without clipping).
    const auto freeze = [&](alert_rule r) {
        const rule_state& rs = s.rules[static_cast<std::size_t>(r)];
        if (!rs.firing) {
            return 0; // learn, clipped
        }
        return rs.firing_for < static_cast<std::uint32_t>(cfg_.freeze_max_windows) ? 1 : 2;
    };
    const int fz_m = freeze(alert_rule::volume_spike);
    const int fz_n = freeze(alert_rule::negative_spike);
    // The share is also held while either count alert fires: a campaign or a negative
    // spike is not the brand's usual mix.
    const int fz_s =
        std::max({freeze(alert_rule::negative_share), freeze(alert_rule::volume_spike) == 1 ? 1 : 0,
                  freeze(alert_rule::negative_spike) == 1 ? 1 : 0});
    const auto learn_season = [&](float* f, double x, double level) {
        if (f == nullptr || level < 0.5) {
            return;
        }
        const double ratio = std::min(x / level, 3.0 * static_cast<double>(*f) + 0.5);
        const double next = static_cast<double>(*f) + cfg_.seasonal_alpha * (ratio - *f);
        *f = static_cast<float>(std::clamp(next, 0.05, 20.0));
    };
    if (fz_s != 1) {
        s.share.update(n, m, cm.expected, bp_, fz_s == 0);
    }
    if (fz_m != 1) {
        s.mentions.update(m, fm, bp_, fz_m == 0);
        learn_season(season_m, m, s.mentions.level);
    }
    if (fz_n != 1) {
        s.negatives.update(n, fn, bp_, fz_n == 0);
        learn_season(season_n, n, s.negatives.level);
    }
    s.reach.update(bw != nullptr ? static_cast<double>(bw->reach) : 0.0, bp_.alpha);
    ++s.windows;
}

void detector::transition(std::uint32_t id, alert_rule rule, const rule_eval& e,
                          const brand_window* bw, millis start, millis end, detection_sink& out) {
    brand_state& s = *brands_[id];
    rule_state& rs = s.rules[static_cast<std::size_t>(rule)];
    rule_knobs k{};
    switch (rule) {
    case alert_rule::volume_spike:
    case alert_rule::negative_spike:
    case alert_rule::negative_share: {
        const auto& r = rule == alert_rule::volume_spike     ? cfg_.volume_spike
                        : rule == alert_rule::negative_spike ? cfg_.negative_spike
                                                             : cfg_.negative_share;
        k = {to_u32(r.persistence), to_u32(r.resolve_windows), to_u32(r.cooldown_windows)};
        break;
    }
    case alert_rule::influencer:
        k = {1, to_u32(cfg_.influencer.resolve_windows), to_u32(cfg_.influencer.cooldown_windows)};
        break;
    }
    const bool warm = s.windows >= static_cast<std::uint64_t>(cfg_.min_windows);
    if (!rs.firing) {
        const bool blocked = rs.cooldown > 0;
        if (blocked) {
            --rs.cooldown;
        }
        rs.streak = e.cond ? rs.streak + 1 : 0;
        if (e.cond && warm && !blocked && rs.streak >= k.persistence) {
            rs.firing = true;
            rs.firing_for = 0;
            rs.calm = 0;
            rs.since = start;
            rs.severity = e.critical ? alert_severity::critical : alert_severity::warning;
            write_alert(id, rule, true, e, bw, start, end);
            out.alert(matcher_->brand_name(id), buf_);
            rs.record.assign(buf_);
            ++alerts_;
        }
        return;
    }
    ++rs.firing_for;
    rs.calm = e.hold ? 0 : rs.calm + 1;
    if (rs.calm >= std::max<std::uint32_t>(k.resolve_windows, 1)) {
        write_alert(id, rule, false, e, bw, start, end);
        out.alert(matcher_->brand_name(id), buf_);
        ++alerts_;
        rs.firing = false;
        rs.record.clear();
        rs.cooldown = k.cooldown;
        rs.streak = 0;
        rs.calm = 0;
        rs.firing_for = 0;
    }
}

void detector::write_alert(std::uint32_t id, alert_rule rule, bool firing, const rule_eval& e,
                           const brand_window* bw, millis start, millis end) {
    const brand_state& s = *brands_[id];
    const rule_state& rs = s.rules[static_cast<std::size_t>(rule)];
    const std::string_view brand = matcher_->brand_name(id);
    const std::string_view rule_name = k_alert_rule_names[static_cast<std::size_t>(rule)];
    char since[32];
    char ts_start[32];
    char ts_end[32];
    const std::string_view since_s(since, format_rfc3339(rs.since, since));
    const std::string_view start_s(ts_start, format_rfc3339(start, ts_start));
    const std::string_view end_s(ts_end, format_rfc3339(end, ts_end));

    // id = hex(hash64(brand|rule|first window_start of the episode)).
    text_.clear();
    text_.append(brand).append("|").append(rule_name).append("|").append(since_s);
    char idhex[17];
    fmt::format_to_n(idhex, sizeof idhex, "{:016x}", hash64(text_));
    const std::string_view id_s(idhex, 16);

    const std::string dur = format_duration(end - start);
    const auto threshold = static_cast<std::uint64_t>(cfg_.influencer_followers);
    const evidence_item* top_hit = nullptr;
    if (bw != nullptr) {
        for (const evidence_item& h : bw->influencer_hits) {
            if (h.followers >= threshold) {
                top_hit = &h;
                break; // most followers first
            }
        }
    }
    text_.clear();
    auto it = std::back_inserter(text_);
    fmt::format_to(it, "{}: ", brand);
    if (!firing) {
        fmt::format_to(it, "{} resolved, ", rule_name);
    }
    switch (rule) {
    case alert_rule::volume_spike:
    case alert_rule::negative_spike:
        fmt::format_to(it, "{:.0f} {}mentions in {}, {:.1f}x the usual {:.1f}", e.value,
                       rule == alert_rule::negative_spike ? "negative " : "", dur, e.factor,
                       e.baseline);
        break;
    case alert_rule::negative_share:
        fmt::format_to(it, "{:.0f}% of {:.0f} mentions negative in {}, {:.1f}x the usual {:.1f}%",
                       e.value * 100.0, e.mentions, dur, e.factor, e.baseline * 100.0);
        break;
    case alert_rule::influencer:
        if (top_hit != nullptr) {
            fmt::format_to(it, "negative mention by {} ({} followers) in {}", top_hit->author,
                           top_hit->followers, dur);
        } else {
            fmt::format_to(it, "no negative mention from an author with {}+ followers in {}",
                           threshold, dur);
        }
        break;
    }

    buf_.clear();
    json_writer j(buf_);
    j.begin_object();
    j.key("id").value(id_s);
    j.key("status").value(firing ? "firing" : "resolved");
    j.key("rule").value(rule_name);
    j.key("severity").value(k_alert_severity_names[static_cast<std::size_t>(rs.severity)]);
    j.key("brand").value(brand);
    j.key("window_start").value(start_s);
    j.key("window_end").value(end_s);
    if (rule == alert_rule::influencer) {
        // Followers and the threshold: integers (a shortest-form double would print 1e+05).
        j.key("value").value(static_cast<std::uint64_t>(std::max(e.value, 0.0)));
        j.key("baseline").value(static_cast<std::uint64_t>(std::max(e.baseline, 0.0)));
    } else if (e.integral) {
        j.key("value").value(static_cast<std::uint64_t>(std::max(e.value, 0.0)));
        j.key("baseline").value(e.baseline, 2);
    } else {
        j.key("value").value(e.value, 4);
        j.key("baseline").value(e.baseline, 4);
    }
    j.key("score").value(e.score, 2);
    j.key("summary").value(text_);

    j.key("evidence").begin_object();
    j.key("top_terms").begin_array();
    if (bw != nullptr) {
        bw->terms.top(k_evidence_items, top_,
                      [&](std::string_view t) { return !matcher_->is_own_term(id, t); });
        for (const auto& t : top_) {
            j.begin_object().key("term").value(t.key).key("count").value(t.count).end_object();
        }
    }
    j.end_array();
    j.key("top_hashtags").begin_array();
    if (bw != nullptr) {
        bw->hashtags.top(k_evidence_items, top_, [](std::string_view) { return true; });
        for (const auto& t : top_) {
            j.begin_object().key("tag").value(t.key).key("count").value(t.count).end_object();
        }
    }
    j.end_array();
    const std::vector<evidence_item>* authors = nullptr;
    const std::vector<evidence_item>* samples = nullptr;
    if (bw != nullptr) {
        switch (rule) {
        case alert_rule::volume_spike:
            authors = &bw->top_authors;
            samples = &bw->samples;
            break;
        case alert_rule::negative_spike:
        case alert_rule::negative_share:
            authors = &bw->top_authors;
            samples = &bw->negative_samples;
            break;
        case alert_rule::influencer:
            authors = &bw->influencer_hits;
            samples = &bw->influencer_hits;
            break;
        }
    }
    j.key("top_authors").begin_array();
    if (authors != nullptr) {
        for (const evidence_item& a : *authors) {
            j.begin_object().key("author").value(a.author).key("followers").value(a.followers);
            j.end_object();
        }
    }
    j.end_array();
    j.key("sample_ids").begin_array();
    if (samples != nullptr) {
        for (const evidence_item& a : *samples) {
            j.value(a.id);
        }
    }
    j.end_array();
    if (e.integral) {
        j.key("observed").value(static_cast<std::uint64_t>(std::max(e.observed, 0.0)));
    } else {
        j.key("observed").value(e.observed, 2);
    }
    j.key("expected").value(e.expected, 2);
    j.key("factor").value(e.factor, 2);
    j.key("cluster_share").value(e.cluster_share, 3);
    j.key("mentions").value(static_cast<std::uint64_t>(std::max(e.mentions, 0.0)));
    j.key("reach").value(bw != nullptr ? bw->reach : std::uint64_t{0});
    j.key("reach_baseline").value(static_cast<std::uint64_t>(std::llround(s.reach.level)));
    j.end_object();
    j.end_object();
}

void detector::step_trends(std::int64_t w, std::string_view scope, std::int64_t brand,
                           scope_trends& st, const brand_window& bw, detection_sink& out) {
    const std::uint64_t authors = bw.authors.estimate();
    const auto id = static_cast<std::uint32_t>(brand);
    std::function<bool(std::string_view)> skip_tag;
    std::function<bool(std::string_view)> skip_term;
    if (brand >= 0) {
        // A brand's own keywords (and its own hashtags, compared without the `#`).
        skip_tag = [this, id](std::string_view t) {
            return matcher_->is_own_term(id, t.substr(t.starts_with('#') ? 1 : 0));
        };
        skip_term = [this, id](std::string_view t) { return matcher_->is_own_term(id, t); };
    }
    const std::string_view start_s = ts_start_;
    const std::string_view end_s = ts_end_;
    const auto emit = [&](std::string_view kind) {
        std::uint32_t rank = 0;
        for (const trend_candidate& c : candidates_) {
            buf_.clear();
            json_writer j(buf_);
            j.begin_object();
            j.key("window_start").value(start_s);
            j.key("window_end").value(end_s);
            j.key("scope").value(scope);
            j.key("kind").value(kind);
            j.key("item").value(c.item);
            j.key("count").value(c.count);
            j.key("baseline").value(c.baseline, 2);
            j.key("score").value(c.score, 2);
            j.key("rank").value(++rank);
            j.end_object();
            out.trend(scope, buf_);
            ++trends_;
        }
    };
    st.hashtags.observe(w, bw.hashtags, authors, tp_, skip_tag, candidates_);
    emit("hashtag");
    st.terms.observe(w, bw.terms, authors, tp_, skip_term, candidates_);
    emit("term");
}

void detector::firing(std::vector<firing_alert>& out) const {
    out.clear();
    for (std::uint32_t id = 0; id < brands_.size(); ++id) {
        for (std::size_t r = 0; r < k_alert_rule_count; ++r) {
            const rule_state& rs = brands_[id]->rules[r];
            if (rs.firing) {
                out.push_back({id, static_cast<alert_rule>(r), rs.severity, rs.since});
            }
        }
    }
}

std::size_t detector::announce_firing(detection_sink& out) const {
    std::size_t n = 0;
    for (std::uint32_t id = 0; id < brands_.size(); ++id) {
        for (const rule_state& rs : brands_[id]->rules) {
            if (rs.firing && !rs.record.empty()) {
                out.alert(matcher_->brand_name(id), rs.record);
                ++n;
            }
        }
    }
    return n;
}

} // namespace pulso
