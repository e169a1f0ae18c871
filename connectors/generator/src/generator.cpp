#include "pulso/generator/generator.h"

#include "pulso/core/assert.h"
#include "pulso/core/hash.h"
#include "rng.h"
#include "vocabulary.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace pulso {
namespace {

using namespace gen;

constexpr millis k_second = 1000;
constexpr millis k_minute = 60'000;
constexpr millis k_default_start = days_from_civil(2026, 11, 26) * 86'400'000 + 4 * 3'600'000;
/// Rates are piecewise constant over segments of this much event time (drift, ramps).
constexpr millis k_segment = k_second;
constexpr std::size_t k_max_text = 280;
constexpr std::size_t k_min_text = 40;
/// Background negative mentions come from authors below this, so that the steady stream
/// never trips an `influencer` rule at its default threshold (100000); scripted events do.
constexpr std::uint64_t k_negative_follower_cap = 50'000;
constexpr double k_repost_share = 0.10;

// --- scenarios --------------------------------------------------------------------------
enum class episode_kind : std::uint8_t {
    negative_spike,
    campaign_surge,
    trending_hashtag,
    influencer_complaint
};
constexpr std::array<sv, 4> k_episode_names = {"negative_spike", "campaign_surge",
                                               "trending_hashtag", "influencer_complaint"};

constexpr int k_acme = 0;
constexpr int k_cafe = 1;
constexpr int k_telco = 2;
constexpr int k_banco = 3;
constexpr int k_mercado = 5;

struct episode_def {
    episode_kind kind;
    int brand;        ///< index into k_brands, -1 for none
    millis begin;     ///< relative to options.start
    millis end;       ///< exclusive; == begin for a one-shot
    millis ramp_up;   ///< rate rises linearly over this (0: a step)
    millis ramp_down; ///< and falls over this before `end`
    double factor;    ///< relative events: the brand's usual rate times this, in total
    double per_min;   ///< absolute events: mentions per minute at full strength
};

constexpr std::size_t k_max_episodes = 3;
struct scenario_def {
    sv name;
    sv description;
    bool drift;
    std::size_t episode_count;
    std::array<episode_def, k_max_episodes> episodes;
};

constexpr scenario_def k_scenarios[] = {
    {"steady",
     "Steady background noise only: six brands at different volumes (5-60 mentions/min each "
     "at --rate 4.5, in proportion otherwise), ~40% of mentions about no brand, sentiment "
     "about 30/50/20 positive/neutral/negative.",
     false,
     0,
     {}},
    {"negative_spike",
     "Steady noise; at minute 35, for 5 minutes, acme gets 10x its usual negative mentions "
     "(refund complaints, #acmefail, many distinct authors).",
     false,
     1,
     {{{episode_kind::negative_spike, k_acme, 35 * k_minute, 40 * k_minute, 0, 0, 10.0, 0}}}},
    {"campaign_surge",
     "Steady noise; at minute 35, for 5 minutes, cafe_andino gets 8x its usual volume from a "
     "positive launch campaign (#cafeandino); its negative mentions stay as usual.",
     false,
     1,
     {{{episode_kind::campaign_surge, k_cafe, 35 * k_minute, 40 * k_minute, 0, 0, 8.0, 0}}}},
    {"influencer_complaint",
     "Steady noise; at minute 35 (+5 s) one negative mention about telco_sur from a verified "
     "author with 2,000,000 followers. No other negative mention comes from an author above "
     "50,000 followers.",
     false,
     1,
     {{{episode_kind::influencer_complaint, k_telco, 35 * k_minute + 5 * k_second,
        35 * k_minute + 5 * k_second, 0, 0, 0, 0}}}},
    {"trending_hashtag",
     "Steady noise; at minute 35 #apagon (a blackout) rises from nothing to 200 mentions/min "
     "within a minute, holds until minute 45 and fades out by minute 50; mostly negative "
     "(the blackout), 7.5% of those mentions name a brand (telco_sur, banco_luz, "
     "mercado_rio), the rest none.",
     false,
     1,
     {{{episode_kind::trending_hashtag, -1, 35 * k_minute, 50 * k_minute, k_minute, 5 * k_minute, 0,
        200.0}}}},
    {"steady_drift",
     "No events; each brand's rate drifts slowly and smoothly by up to +-30% (a sine with a "
     "period of 45-80 minutes per brand, phase from the seed).",
     true,
     0,
     {}},
    {"demo",
     "The demo script, meant to start 40 minutes in the past so that baselines exist when it "
     "reaches the present: steady noise, then a reputation crisis for acme from minute 41 to 51 "
     "(10x negative refund complaints, #acmefail, ramping up over 30 s), #apagon trending from "
     "minute 42 (200/min after a 1-minute rise, fading out by minute 57) and one complaint about "
     "telco_sur from a 2M-follower author at minute 44.",
     false,
     3,
     {{{episode_kind::negative_spike, k_acme, 41 * k_minute, 51 * k_minute, 30 * k_second, 0, 10.0,
        0},
       {episode_kind::trending_hashtag, -1, 42 * k_minute, 57 * k_minute, k_minute, 5 * k_minute, 0,
        200.0},
       {episode_kind::influencer_complaint, k_telco, 44 * k_minute, 44 * k_minute, 0, 0, 0, 0}}}},
};

const scenario_def* find_scenario(sv name) noexcept {
    if (name.empty()) {
        return &k_scenarios[0];
    }
    for (const auto& s : k_scenarios) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

// --- bad records ------------------------------------------------------------------------
enum class fault : std::uint8_t {
    none,
    truncate,
    not_object,
    omit_author_id,
    omit_id,
    omit_created_at,
    omit_text,
    omit_platform,
    followers_string,
    text_number,
    likes_string,
    id_number,
    ts_bad_calendar,
    ts_garbage,
    ts_no_zone,
    ts_empty,
    ts_1999,
    followers_negative,
    ts_2100,
    sentiment_range,
    too_large,
};

struct fault_info {
    fault f;
    sv field;
};
struct bad_reason_def {
    sv reason;
    std::size_t count;
    std::array<fault_info, 5> variants;
};

constexpr std::array<bad_reason_def, 7> k_bad_reasons = {{
    {"invalid_json", 1, {{{fault::truncate, ""}}}},
    {"not_an_object", 1, {{{fault::not_object, ""}}}},
    {"missing_field",
     5,
     {{{fault::omit_author_id, "author.id"},
       {fault::omit_id, "id"},
       {fault::omit_created_at, "created_at"},
       {fault::omit_text, "text"},
       {fault::omit_platform, "platform"}}}},
    {"wrong_type",
     4,
     {{{fault::followers_string, "author.followers"},
       {fault::text_number, "text"},
       {fault::likes_string, "engagement.likes"},
       {fault::id_number, "id"}}}},
    {"invalid_timestamp",
     4,
     {{{fault::ts_bad_calendar, "created_at"},
       {fault::ts_garbage, "created_at"},
       {fault::ts_no_zone, "created_at"},
       {fault::ts_empty, "created_at"}}}},
    {"out_of_range",
     4,
     {{{fault::ts_1999, "created_at"},
       {fault::followers_negative, "author.followers"},
       {fault::ts_2100, "created_at"},
       {fault::sentiment_range, "sentiment"}}}},
    {"too_large", 1, {{{fault::too_large, ""}}}},
}};
constexpr std::array<sv, 4> k_not_objects = {"[1,2]", "\"just a string\"", "42", "null"};

// --- small helpers ----------------------------------------------------------------------
/// A bump writer over a fixed buffer: the record is assembled here and appended to the
/// caller's string in one copy. Records are bounded (text <= 280 bytes, every other field
/// short), so 4 KiB never overflows; `too_large` is spliced in by the caller.
class rec_writer {
  public:
    rec_writer(char* buf, std::size_t cap) noexcept : begin_(buf), p_(buf), end_(buf + cap) {}
    void push_back(char c) noexcept {
        PULSO_ASSERT(p_ < end_, "record buffer overflow");
        *p_++ = c;
    }
    void append(sv s) noexcept { append(s.data(), s.size()); }
    void append(const char* s, std::size_t n) noexcept {
        PULSO_ASSERT(n <= static_cast<std::size_t>(end_ - p_), "record buffer overflow");
        std::memcpy(p_, s, n);
        p_ += n;
    }
    void append(const char* first, const char* last) noexcept {
        append(first, static_cast<std::size_t>(last - first));
    }
    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(p_ - begin_);
    }
    void resize(std::size_t n) noexcept {
        PULSO_ASSERT(n <= size(), "rec_writer only shrinks");
        p_ = begin_ + n;
    }
    [[nodiscard]] sv view() const noexcept { return {begin_, size()}; }

  private:
    char* begin_;
    char* p_;
    char* end_;
};

void append_u64(rec_writer& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
void append_i64(rec_writer& out, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
void append_hex16(rec_writer& out, std::uint64_t v) {
    static constexpr char hex[] = "0123456789abcdef";
    char buf[16];
    for (int i = 15; i >= 0; --i) {
        buf[i] = hex[v & 15];
        v >>= 4;
    }
    out.append(buf, 16);
}
void put2(char* p, unsigned v) noexcept {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

/// `YYYY-MM-DDTHH:MM:SS` (19 chars) for a whole second since the epoch.
void format_civil_second(std::int64_t secs, char* out) noexcept {
    const std::int64_t days = floor_div(secs, 86400);
    const auto sod = static_cast<unsigned>(secs - days * 86400);
    // Howard Hinnant's civil_from_days.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const auto y = static_cast<unsigned>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
    put2(out, y / 100 % 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, sod / 3600);
    out[13] = ':';
    put2(out + 14, sod / 60 % 60);
    out[16] = ':';
    put2(out + 17, sod % 60);
}

template <typename T> const T& pick(rng& r, std::span<const T> xs) {
    return xs[r.below(static_cast<std::uint32_t>(xs.size()))];
}

bool json_safe(sv s) noexcept {
    return std::none_of(s.begin(), s.end(), [](char c) {
        return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    });
}

/// Checks once that every string written verbatim needs no JSON escaping.
void check_vocabulary() {
    auto all = [](list xs) {
        return std::all_of(xs.begin(), xs.end(), [](sv s) { return json_safe(s); });
    };
    bool ok = json_safe(k_influencer_text);
    for (std::size_t l = 0; l < k_lang_count; ++l) {
        ok = ok && all(k_pos[l]) && all(k_neg[l]) && all(k_cities[l]) && all(k_fillers[l]) &&
             all(k_topic_tags[l]) && all(k_none_subjects[l]) && all(k_near_miss[l]) &&
             all(k_spike[l]) && all(k_campaign_pos[l]) && all(k_campaign_neu[l]);
        ok = ok && all(k_trend_pos[l]) && all(k_trend_neg[l]);
        for (std::size_t s = 0; s < 3; ++s) {
            ok = ok && all(k_brand_templates[l][s]) && all(k_none_templates[l][s]);
        }
    }
    for (const auto& b : k_brands) {
        ok = ok && all(b.display);
        for (const auto& t : b.topics) {
            ok = ok && all(t);
        }
    }
    for (const auto& e : k_emoji) {
        ok = ok && all(e);
    }
    PULSO_ASSERT(ok, "generator vocabulary holds a string that would need JSON escaping");
}

sentiment_class pick_sentiment(rng& r, unsigned pos, unsigned neu) {
    const unsigned x = r.below(100);
    if (x < pos) {
        return sentiment_class::positive;
    }
    return x < pos + neu ? sentiment_class::neutral : sentiment_class::negative;
}

std::size_t pick_lang(rng& r) {
    const unsigned x = r.below(1000);
    return x < k_lang_weights[0] ? 0 : x < k_lang_weights[0] + k_lang_weights[1] ? 1 : 2;
}

struct author {
    char id[24];
    char handle[32];
    std::uint8_t id_len = 0;
    std::uint8_t handle_len = 0;
    std::uint64_t followers = 0;
    bool verified = false;

    [[nodiscard]] sv id_view() const noexcept { return {id, id_len}; }
    [[nodiscard]] sv handle_view() const noexcept { return {handle, handle_len}; }
};

/// One record before it is written: what goes into each field.
struct draft {
    std::uint64_t id_num = 0;
    sv platform;
    millis event_time = 0;
    sv text;
    sv lang_field;
    author who;
    bool has_handle = true;
    int verified = -1; ///< -1 absent
    bool has_engagement = true;
    bool has_views = true;
    std::uint64_t likes = 0, shares = 0, comments = 0, views = 0;
    bool has_repost = false;
    std::uint64_t repost_of = 0;
    sv country;
    char url[64];
    std::uint8_t url_len = 0;
    int sentiment_cents = 0;
    std::uint8_t time_form = 0; ///< 0 Z, 1 Z with µs, 2 offset, 3 epoch ms
    int offset_min = 0;
    std::uint8_t extra = 0; ///< 0 none, 1 `source`, 2 nested `meta`
    bool alt_order = false;
};

struct original_slot {
    std::uint64_t id_num = 0;
    std::string text;
    author who;
    sv platform;
    record_truth truth;
};

struct duplicate_slot {
    std::string bytes;
    record_truth truth;
};

constexpr std::size_t k_original_ring = 64;
constexpr std::size_t k_duplicate_ring = 16;
constexpr std::size_t k_components = 1 + k_brand_count + k_max_episodes;
constexpr std::uint64_t k_active_authors = 50'000;
constexpr std::uint64_t k_casual_authors = 5'000'000;
constexpr double k_zipf_offset = 20.0;
constexpr std::array<int, 5> k_offsets_min = {-180, -300, -360, 60, 0};

} // namespace

// --- the generator ----------------------------------------------------------------------
struct mention_generator::impl {
    explicit impl(generator_options o);

    bool next(std::string& out, millis& event_time);

    void recompute_segment();
    void emit_arrival(std::string& out);
    void emit_duplicate(std::string& out);
    void emit_influencer(std::string& out, const episode_def& e);
    void build_original(draft& d, std::size_t component, bool keep);
    void build_repost(draft& d);
    void finish_draft(draft& d, bool distinct_author, bool small_author_if_negative);
    void build_text(sv tmpl, std::size_t lang, sentiment_class s, sv subject, list topics);
    void add_extras(std::size_t lang, int brand, bool allow_second_brand, sv platform);
    bool try_append(sv piece);
    bool try_append(sv sep, sv piece);
    void make_author(std::uint64_t idx, author& a) const;
    std::uint64_t pick_author(bool distinct);
    void emit_record(std::string& out, const draft& d, fault f);
    void write_record(rec_writer& out, const draft& d, fault f);
    void write_time(rec_writer& out, const draft& d, fault f);
    millis jitter(millis arrival);

    generator_options opts;
    const scenario_def* scenario = nullptr;
    rng r;
    std::uint64_t id_salt = 0;
    std::uint64_t author_salt = 0;
    double log_active = 0.0;

    // arrival process
    double t = 0.0; ///< event time of the last arrival, ms since start
    double seg_end = 0.0;
    double total_rate = 0.0; ///< per ms
    std::array<double, k_components> rates{};
    std::array<double, k_brand_count> drift_period{};
    std::array<double, k_brand_count> drift_phase{};
    bool oneshot_pending = false;
    std::size_t oneshot_episode = 0;
    bool done = false;

    std::uint64_t produced = 0;
    std::uint64_t ids = 0;
    std::uint64_t bad_count = 0;
    std::size_t reason_count = 6;
    record_truth truth;

    std::string text;
    std::array<original_slot, k_original_ring> originals;
    std::size_t originals_size = 0;
    std::size_t originals_next = 0;
    std::array<duplicate_slot, k_duplicate_ring> duplicates;
    std::size_t duplicates_size = 0;
    std::size_t duplicates_next = 0;

    std::array<char, 4096> record_buf{};
    std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
    char cached_civil[19]{};
};

mention_generator::impl::impl(generator_options o) : opts(std::move(o)), r(opts.seed) {
    scenario = find_scenario(opts.scenario);
    if (scenario == nullptr) {
        throw std::invalid_argument("unknown scenario '" + opts.scenario +
                                    "' (see pulso generate --list-scenarios)");
    }
    if (!(opts.rate > 0.0) || !std::isfinite(opts.rate) || opts.rate > 1e8) {
        throw std::invalid_argument("generator rate must be in (0, 1e8] mentions/s");
    }
    if (opts.duration <= 0) {
        throw std::invalid_argument("generator duration must be > 0");
    }
    if (opts.start == 0) {
        opts.start = k_default_start;
    }
    if (opts.start < k_min_event_time || opts.start >= k_max_event_time ||
        opts.duration >= k_max_event_time - opts.start) {
        throw std::invalid_argument(
            "generator start and start + duration must lie in [2000-01-01, 2100-01-01)");
    }
    if (!(opts.bad_ratio >= 0.0 && opts.bad_ratio <= 1.0) ||
        !(opts.duplicate_ratio >= 0.0 && opts.duplicate_ratio <= 1.0) ||
        opts.bad_ratio + opts.duplicate_ratio > 1.0) {
        throw std::invalid_argument(
            "generator bad_ratio and duplicate_ratio must be in [0, 1] and sum to at most 1");
    }
    if (opts.max_disorder < 0 || opts.max_disorder > 86'400'000) {
        throw std::invalid_argument("generator max_disorder must be in [0, 1 day]");
    }
    check_vocabulary();

    id_salt = mix64(opts.seed ^ 0x6d656e74696f6e73ULL);
    author_salt = mix64(opts.seed ^ 0x617574686f727321ULL);
    log_active = std::log(static_cast<double>(k_active_authors) / k_zipf_offset + 1.0);
    reason_count = opts.bad_too_large ? 7 : 6;
    for (std::size_t b = 0; b < k_brand_count; ++b) {
        drift_period[b] = (45.0 + 35.0 * r.uniform()) * static_cast<double>(k_minute);
        drift_phase[b] = 6.283185307179586 * r.uniform();
    }
    for (std::size_t i = 0; i < scenario->episode_count; ++i) {
        if (scenario->episodes[i].kind == episode_kind::influencer_complaint) {
            oneshot_pending = true;
            oneshot_episode = i;
        }
    }
    text.reserve(512);
    for (auto& s : originals) {
        s.text.reserve(320);
    }
    for (auto& s : duplicates) {
        s.bytes.reserve(1024);
    }
    recompute_segment();
}

void mention_generator::impl::recompute_segment() {
    const double seg_start =
        std::floor(t / static_cast<double>(k_segment)) * static_cast<double>(k_segment);
    seg_end = seg_start + static_cast<double>(k_segment);
    const double per_ms = opts.rate / 1000.0;
    std::array<double, k_brand_count> brand_rate{};
    double brand_weight_total = 0.0;
    for (const auto& b : k_brands) {
        brand_weight_total += b.ref_per_min;
    }
    rates[0] = per_ms * (1.0 - k_brand_share);
    for (std::size_t b = 0; b < k_brand_count; ++b) {
        double mult = 1.0;
        if (scenario->drift) {
            mult +=
                0.3 * std::sin(6.283185307179586 * seg_start / drift_period[b] + drift_phase[b]);
        }
        brand_rate[b] =
            per_ms * k_brand_share * k_brands[b].ref_per_min / brand_weight_total * mult;
        rates[1 + b] = brand_rate[b];
    }
    for (std::size_t i = 0; i < k_max_episodes; ++i) {
        double rate = 0.0;
        if (i < scenario->episode_count) {
            const episode_def& e = scenario->episodes[i];
            const auto tm = seg_start;
            const auto begin = static_cast<double>(e.begin);
            const auto end = static_cast<double>(e.end);
            if (tm >= begin && tm < end) {
                double frac = 1.0;
                if (e.ramp_up > 0) {
                    frac = std::min(frac, (tm - begin + static_cast<double>(k_segment)) /
                                              static_cast<double>(e.ramp_up));
                }
                if (e.ramp_down > 0) {
                    frac = std::min(frac, (end - tm) / static_cast<double>(e.ramp_down));
                }
                switch (e.kind) {
                case episode_kind::negative_spike:
                    rate = (e.factor - 1.0) * brand_rate[static_cast<std::size_t>(e.brand)] *
                           k_brands[static_cast<std::size_t>(e.brand)].neg / 100.0;
                    break;
                case episode_kind::campaign_surge:
                    rate = (e.factor - 1.0) * brand_rate[static_cast<std::size_t>(e.brand)];
                    break;
                case episode_kind::trending_hashtag:
                    rate = e.per_min / static_cast<double>(k_minute);
                    break;
                case episode_kind::influencer_complaint:
                    break;
                }
                rate *= frac;
            }
        }
        rates[1 + k_brand_count + i] = rate;
    }
    total_rate = 0.0;
    for (double x : rates) {
        total_rate += x;
    }
}

bool mention_generator::impl::next(std::string& out, millis& event_time) {
    const auto duration = static_cast<double>(opts.duration);
    for (;;) {
        if (done) {
            return false;
        }
        double cand = seg_end;
        bool arrival = false;
        if (total_rate > 0.0) {
            const double c = t + r.exponential(1.0 / total_rate);
            if (c < seg_end) {
                cand = c;
                arrival = true;
            }
        }
        if (oneshot_pending) {
            const episode_def& e = scenario->episodes[oneshot_episode];
            const auto at = static_cast<double>(e.begin);
            if (at <= cand) {
                // Poisson arrivals are memoryless: dropping the candidate and drawing afresh
                // from `at` keeps the process exact.
                oneshot_pending = false;
                if (at >= duration) {
                    done = true;
                    return false;
                }
                t = at;
                emit_influencer(out, e);
                event_time = truth.event_time;
                ++produced;
                return true;
            }
        }
        t = cand;
        if (t >= duration) {
            done = true;
            return false;
        }
        if (!arrival) {
            recompute_segment();
            continue;
        }
        emit_arrival(out);
        event_time = truth.event_time;
        ++produced;
        return true;
    }
}

millis mention_generator::impl::jitter(millis arrival) {
    if (opts.max_disorder > 0 && r.chance(0.3)) {
        const millis back = r.below(static_cast<std::uint32_t>(opts.max_disorder) + 1);
        return std::max(opts.start, arrival - back);
    }
    return arrival;
}

void mention_generator::impl::emit_arrival(std::string& out) {
    const millis arrival = opts.start + static_cast<millis>(std::floor(t));
    // Which process produced this arrival.
    double x = r.uniform() * total_rate;
    std::size_t comp = 0;
    for (; comp + 1 < k_components; ++comp) {
        if (x < rates[comp]) {
            break;
        }
        x -= rates[comp];
    }
    while (rates[comp] <= 0.0 && comp > 0) { // float round-off at the end of the scan
        --comp;
    }
    const double u = r.uniform();
    if (u < opts.bad_ratio) {
        const auto& reason = k_bad_reasons[bad_count % reason_count];
        const auto& v = reason.variants[(bad_count / reason_count) % reason.count];
        ++bad_count;
        draft d;
        d.event_time = jitter(arrival);
        build_original(d, comp, false);
        emit_record(out, d, v.f);
        truth.kind = generated_kind::bad;
        truth.bad_reason = reason.reason;
        truth.bad_field = v.field;
        truth.event_time = d.event_time;
        return;
    }
    if (u < opts.bad_ratio + opts.duplicate_ratio && duplicates_size > 0) {
        emit_duplicate(out);
        return;
    }
    draft d;
    d.event_time = jitter(arrival);
    if (comp <= k_brand_count && originals_size > 0 && r.chance(k_repost_share)) {
        build_repost(d);
    } else {
        build_original(d, comp, true);
    }
    const std::size_t begin = out.size();
    emit_record(out, d, fault::none);
    if (opts.duplicate_ratio > 0.0) {
        auto& slot = duplicates[duplicates_next];
        slot.bytes.assign(out, begin, std::string::npos);
        slot.truth = truth;
        duplicates_next = (duplicates_next + 1) % k_duplicate_ring;
        duplicates_size = std::min(duplicates_size + 1, k_duplicate_ring);
    }
}

void mention_generator::impl::emit_duplicate(std::string& out) {
    const auto& slot = duplicates[r.below(static_cast<std::uint32_t>(duplicates_size))];
    out.append(slot.bytes);
    truth = slot.truth;
    truth.kind = generated_kind::duplicate;
}

void mention_generator::impl::emit_influencer(std::string& out, const episode_def& e) {
    draft d;
    d.id_num = ids++;
    d.event_time = opts.start + static_cast<millis>(std::floor(t));
    d.platform = "twitter";
    d.text = k_influencer_text;
    d.lang_field = "es";
    sv id = "1100000000000000042";
    sv handle = "valeria_tech";
    std::memcpy(d.who.id, id.data(), id.size());
    d.who.id_len = static_cast<std::uint8_t>(id.size());
    std::memcpy(d.who.handle, handle.data(), handle.size());
    d.who.handle_len = static_cast<std::uint8_t>(handle.size());
    d.who.followers = 2'000'000;
    d.who.verified = true;
    d.verified = 1;
    d.likes = 18'400;
    d.shares = 3'150;
    d.comments = 960;
    d.views = 1'250'000;
    d.country = "CO";
    d.sentiment_cents = -85;
    truth = {};
    truth.kind = generated_kind::original;
    truth.brands = 1U << static_cast<unsigned>(e.brand);
    truth.sentiment = sentiment_class::negative;
    truth.lang = k_lang_names[0];
    truth.episode = k_episode_names[static_cast<std::size_t>(e.kind)];
    truth.followers = d.who.followers;
    truth.event_time = d.event_time;
    emit_record(out, d, fault::none);
    // Keep it repostable, as a viral complaint would be.
    auto& slot = originals[originals_next];
    slot.id_num = d.id_num;
    slot.text.assign(d.text);
    slot.who = d.who;
    slot.platform = d.platform;
    slot.truth = truth;
    originals_next = (originals_next + 1) % k_original_ring;
    originals_size = std::min(originals_size + 1, k_original_ring);
}

void mention_generator::impl::build_original(draft& d, std::size_t comp, bool keep) {
    const std::size_t lang = pick_lang(r);
    truth = {};
    truth.kind = generated_kind::original;
    truth.lang = k_lang_names[lang];
    d.platform = k_platforms[pick_weighted(r, k_platforms, k_platform_total)].text;
    sentiment_class s = sentiment_class::neutral;
    bool distinct = false;
    text.clear();

    if (comp == 0) {
        s = pick_sentiment(r, k_none_pos, k_none_neu);
        if (s == sentiment_class::neutral && r.chance(0.04)) {
            build_text(pick(r, k_near_miss[lang]), lang, s, {}, {});
        } else {
            const auto& tmpls = k_none_templates[lang][static_cast<std::size_t>(s)];
            build_text(pick(r, tmpls), lang, s, pick(r, k_none_subjects[lang]), {});
        }
        add_extras(lang, -1, false, d.platform);
    } else if (comp <= k_brand_count) {
        const std::size_t b = comp - 1;
        const brand_def& bd = k_brands[b];
        s = pick_sentiment(r, bd.pos, bd.neu);
        truth.brands = 1U << b;
        const auto& tmpls = k_brand_templates[lang][static_cast<std::size_t>(s)];
        build_text(pick(r, tmpls), lang, s, pick(r, bd.display), bd.topics[lang]);
        add_extras(lang, static_cast<int>(b), true, d.platform);
    } else {
        const episode_def& e = scenario->episodes[comp - 1 - k_brand_count];
        truth.episode = k_episode_names[static_cast<std::size_t>(e.kind)];
        distinct = true;
        switch (e.kind) {
        case episode_kind::negative_spike: {
            const auto b = static_cast<std::size_t>(e.brand);
            s = sentiment_class::negative;
            truth.brands = 1U << b;
            build_text(pick(r, k_spike[lang]), lang, s, pick(r, k_brands[b].display), {});
            char tag[40];
            const sv body = k_brands[b].tag;
            tag[0] = '#';
            std::memcpy(tag + 1, body.data(), body.size());
            std::memcpy(tag + 1 + body.size(), "fail", 4);
            if (r.chance(0.7)) {
                try_append(" ", sv(tag, body.size() + 5));
            }
            if (r.chance(0.25)) {
                try_append(" ", k_spike_tags[lang]);
            }
            add_extras(lang, -1, false, d.platform);
            break;
        }
        case episode_kind::campaign_surge: {
            const auto b = static_cast<std::size_t>(e.brand);
            s = r.chance(0.85) ? sentiment_class::positive : sentiment_class::neutral;
            truth.brands = 1U << b;
            const auto& tmpls =
                s == sentiment_class::positive ? k_campaign_pos[lang] : k_campaign_neu[lang];
            build_text(pick(r, tmpls), lang, s, pick(r, k_brands[b].display), {});
            if (r.chance(0.8)) {
                try_append(" #", k_brands[b].tag);
            }
            if (r.chance(0.3)) {
                try_append(" ", k_campaign_tags[lang]);
            }
            add_extras(lang, -1, false, d.platform);
            break;
        }
        case episode_kind::trending_hashtag: {
            const unsigned x = r.below(1000);
            int b = -1;
            if (x < 40) {
                b = k_telco;
            } else if (x < 60) {
                b = k_banco;
            } else if (x < 75) {
                b = k_mercado;
            }
            if (b < 0) {
                s = r.chance(0.15) ? sentiment_class::positive : sentiment_class::negative;
                if (s == sentiment_class::positive) {
                    build_text(pick(r, k_trend_pos[lang]), lang, s, {}, {});
                } else {
                    // The last template names a brand: not this time.
                    const list tmpls = k_trend_neg[lang];
                    build_text(tmpls[r.below(static_cast<std::uint32_t>(tmpls.size() - 1))], lang,
                               s, {}, {});
                }
            } else {
                s = sentiment_class::negative;
                truth.brands = 1U << static_cast<unsigned>(b);
                build_text(k_trend_neg[lang].back(), lang, s,
                           pick(r, k_brands[static_cast<std::size_t>(b)].display), {});
            }
            try_append(lang == 0 && r.chance(0.25) ? " #apagón" : " #apagon");
            add_extras(lang, -1, false, d.platform);
            break;
        }
        case episode_kind::influencer_complaint:
            PULSO_ASSERT(false, "one-shot episodes have no rate");
        }
    }
    truth.sentiment = s;
    d.id_num = ids++;
    d.text = text;
    finish_draft(d, distinct, true);
    if (keep) {
        auto& slot = originals[originals_next];
        slot.id_num = d.id_num;
        slot.text.assign(text);
        slot.who = d.who;
        slot.platform = d.platform;
        slot.truth = truth;
        originals_next = (originals_next + 1) % k_original_ring;
        originals_size = std::min(originals_size + 1, k_original_ring);
    }
}

void mention_generator::impl::build_repost(draft& d) {
    // Index back from the newest: recent mentions are reposted more often.
    const std::uint32_t back = std::min(r.below(static_cast<std::uint32_t>(originals_size)),
                                        r.below(static_cast<std::uint32_t>(originals_size)));
    const auto& o = originals[(originals_next + k_original_ring - 1 - back) % k_original_ring];
    truth = o.truth;
    truth.kind = generated_kind::repost;
    d.id_num = ids++;
    d.platform = o.platform;
    d.has_repost = true;
    d.repost_of = o.id_num;
    text.clear();
    const bool rt =
        (o.platform == "twitter" || o.platform == "x" || o.platform == "Twitter") && r.chance(0.5);
    const sv h = o.who.handle_view();
    if (rt && 4 + h.size() + 2 + o.text.size() <= k_max_text) {
        text.append("RT @");
        text.append(h);
        text.append(": ");
    }
    text.append(o.text);
    d.text = text;
    finish_draft(d, false, true);
    d.likes = r.below(3);
    d.shares = r.below(2);
    d.comments = r.below(2);
    d.views = d.likes * 20 + r.below(200);
}

std::uint64_t mention_generator::impl::pick_author(bool distinct) {
    if (distinct || r.chance(0.55)) {
        return k_active_authors + r.below(static_cast<std::uint32_t>(k_casual_authors));
    }
    const double z = k_zipf_offset * (std::exp(r.uniform() * log_active) - 1.0);
    return std::min(static_cast<std::uint64_t>(z), k_active_authors - 1);
}

void mention_generator::impl::make_author(std::uint64_t idx, author& a) const {
    const std::uint64_t h1 = mix64(idx ^ author_salt);
    const std::uint64_t h2 = mix64(h1 + 0x9E3779B97F4A7C15ULL);
    const std::uint64_t h3 = mix64(h2 + 0x9E3779B97F4A7C15ULL);
    std::uint64_t followers = 0;
    if (h1 % 1000 < 3) {
        // Pareto tail (alpha 1) from 100k: 10 % of these above 1M, 0.5 % near 20M.
        const double u = std::max(rng::to_unit(h2), 0.005);
        followers = static_cast<std::uint64_t>(100'000.0 / u);
    } else {
        // Log-normal body, median 300.
        const double u1 = 1.0 - rng::to_unit(h2);
        const double u2 = rng::to_unit(h3);
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        followers = std::min<std::uint64_t>(
            static_cast<std::uint64_t>(std::exp(5.7037824746562009 + 1.6 * z)), 90'000);
    }
    a.followers = followers;
    const std::uint64_t v = (h1 >> 32) % 1000;
    a.verified = followers >= 100'000 ? v < 700 : followers >= 10'000 ? v < 100 : v < 3;
    const std::uint64_t id =
        mix64(idx + author_salt) % 900'000'000'000'000'000ULL + 100'000'000'000'000'000ULL;
    const auto rid = std::to_chars(a.id, a.id + sizeof a.id, id);
    a.id_len = static_cast<std::uint8_t>(rid.ptr - a.id);
    const sv name = k_names[(h3 >> 8) % std::size(k_names)];
    const sv part = k_name_parts[(h3 >> 16) % std::size(k_name_parts)];
    char* p = a.handle;
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    std::memcpy(p, part.data(), part.size());
    p += part.size();
    const auto digits = static_cast<unsigned>((h3 >> 24) % 130);
    if (digits < 100) {
        p = std::to_chars(p, a.handle + sizeof a.handle, digits).ptr;
    }
    a.handle_len = static_cast<std::uint8_t>(p - a.handle);
}

void mention_generator::impl::finish_draft(draft& d, bool distinct_author,
                                           bool small_author_if_negative) {
    const std::size_t lang = truth.lang == "es" ? 0 : truth.lang == "en" ? 1 : 2;
    const bool negative = truth.sentiment == sentiment_class::negative;
    for (int tries = 0;; ++tries) {
        make_author(pick_author(distinct_author), d.who);
        if (!(negative && small_author_if_negative) || d.who.followers < k_negative_follower_cap ||
            tries >= 64) {
            break;
        }
    }
    truth.followers = d.who.followers;
    truth.event_time = d.event_time;
    d.lang_field = pick(r, k_lang_fields[lang]);
    d.has_handle = r.below(100) >= 4;
    const sv p = d.platform;
    const bool sparse = p == "reddit" || p == "news" || p == "blog" || p == "forum";
    d.verified = sparse ? -1 : (d.who.verified ? 1 : 0);
    d.has_engagement = r.below(100) >= 5;
    d.has_views = !(sparse || (p == "facebook" && r.chance(0.5)));
    const auto f = static_cast<double>(d.who.followers);
    const double likes = f * 0.006 * std::exp(0.9 * r.normal());
    d.likes = static_cast<std::uint64_t>(likes) + r.below(4);
    d.shares = static_cast<std::uint64_t>(static_cast<double>(d.likes) * 0.2 * r.uniform());
    d.comments =
        static_cast<std::uint64_t>(static_cast<double>(d.likes) * 0.1 * r.uniform()) + r.below(2);
    d.views = static_cast<std::uint64_t>(f * 0.3 * std::exp(0.6 * r.normal())) + d.likes * 5 +
              r.below(40);
    d.country = r.below(100) < 45 ? pick(r, k_countries[lang]) : sv{};
    const bool url = p == "news" || p == "blog" || r.below(100) < 6;
    d.url_len = 0;
    if (url) {
        static constexpr char b62[] =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const sv prefix = (p == "news" || p == "blog") ? sv("https://noticias.example.com/a/")
                                                       : sv("https://t.co/");
        std::memcpy(d.url, prefix.data(), prefix.size());
        std::uint64_t bits = r.next();
        for (std::size_t i = 0; i < 10; ++i) {
            d.url[prefix.size() + i] = b62[bits % 62];
            bits /= 62;
        }
        d.url_len = static_cast<std::uint8_t>(prefix.size() + 10);
    }
    switch (truth.sentiment) {
    case sentiment_class::positive:
        d.sentiment_cents = 30 + static_cast<int>(r.below(61));
        break;
    case sentiment_class::neutral:
        d.sentiment_cents = static_cast<int>(r.below(9)) - 4;
        break;
    case sentiment_class::negative:
        d.sentiment_cents = -30 - static_cast<int>(r.below(61));
        break;
    }
    const unsigned tf = r.below(100);
    d.time_form = tf < 72 ? 0 : tf < 80 ? 1 : tf < 90 ? 2 : 3;
    d.offset_min = k_offsets_min[r.below(static_cast<std::uint32_t>(k_offsets_min.size()))];
    const unsigned ex = r.below(100);
    d.extra = ex < 2 ? 1 : ex < 4 ? 2 : 0;
    d.alt_order = r.below(100) < 10;
}

void mention_generator::impl::build_text(sv tmpl, std::size_t lang, sentiment_class s, sv subject,
                                         list topics) {
    const auto si = static_cast<std::size_t>(s);
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] != '{' || i + 2 >= tmpl.size() || tmpl[i + 2] != '}') {
            const std::size_t next = std::min(tmpl.find('{', i + 1), tmpl.size());
            text.append(tmpl.substr(i, next - i));
            i = next - 1;
            continue;
        }
        switch (tmpl[i + 1]) {
        case 'B':
            text.append(subject);
            break;
        case 'T':
            text.append(topics.empty() ? sv("todo") : pick(r, topics));
            break;
        case '+':
            text.append(pick(r, k_pos[lang]));
            break;
        case '-':
            text.append(pick(r, k_neg[lang]));
            break;
        case 'C':
            text.append(pick(r, k_cities[lang]));
            break;
        case 'N':
            text.push_back(static_cast<char>('2' + r.below(8)));
            break;
        case 'E':
            // Neutral text gets no emoji: emoji lexicons (Emoji Sentiment Ranking) score nearly
            // every emoji, even ☕ or 📱, as positive or negative.
            if (s != sentiment_class::neutral && r.below(100) < 60) {
                text.append(pick(r, k_emoji[si]));
            }
            break;
        case 'F':
            text.append(pick(r, k_fillers[lang]));
            break;
        default:
            PULSO_ASSERT(false, "bad template slot in '{}'", tmpl);
        }
        i += 2;
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
}

bool mention_generator::impl::try_append(sv piece) {
    if (text.size() + piece.size() > k_max_text) {
        return false;
    }
    text.append(piece);
    return true;
}

bool mention_generator::impl::try_append(sv sep, sv piece) {
    if (text.size() + sep.size() + piece.size() > k_max_text) {
        return false;
    }
    text.append(sep);
    text.append(piece);
    return true;
}

void mention_generator::impl::add_extras(std::size_t lang, int brand, bool allow_second_brand,
                                         sv platform) {
    const bool long_form = platform == "facebook" || platform == "reddit" || platform == "news" ||
                           platform == "blog" || platform == "forum" || platform == "youtube";
    const list fillers = k_fillers[lang];
    std::size_t filler = r.below(static_cast<std::uint32_t>(fillers.size()));
    auto add_filler = [&] {
        const bool ends_word =
            !text.empty() &&
            (std::isalnum(static_cast<unsigned char>(text.back())) != 0 ||
             (text.size() >= 2 && static_cast<unsigned char>(text[text.size() - 2]) == 0xC3));
        const bool ok = try_append(ends_word ? ". " : " ", fillers[filler % fillers.size()]);
        ++filler; // never the same sentence twice in one text
        return ok;
    };
    if (long_form) {
        const unsigned n = r.below(4);
        for (unsigned i = 0; i < n; ++i) {
            add_filler();
        }
    } else if (r.below(100) < 25) {
        add_filler();
    }
    if (allow_second_brand && r.below(100) < 3) {
        auto b2 = static_cast<int>(r.below(k_brand_count - 1));
        b2 += b2 >= brand ? 1 : 0;
        const sv disp = pick(r, k_brands[static_cast<std::size_t>(b2)].display);
        const sv open = lang == 0 ? " (vía " : " (via ";
        if (text.size() + open.size() + disp.size() + 1 <= k_max_text) {
            text.append(open);
            text.append(disp);
            text.push_back(')');
            truth.brands |= 1U << static_cast<unsigned>(b2);
        }
    }
    if (r.below(100) < 8) {
        author a;
        make_author(pick_author(false), a);
        try_append(" cc @", a.handle_view());
    }
    if (brand >= 0 && r.below(100) < 25) {
        try_append(" #", k_brands[static_cast<std::size_t>(brand)].tag);
    }
    const unsigned tags = r.below(100);
    if (tags < 30) {
        try_append(" ", pick(r, k_topic_tags[lang]));
    }
    if (tags < 8) {
        try_append(" ", pick(r, k_topic_tags[lang]));
    }
    if (r.below(100) < 8) {
        static constexpr char b62[] =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        char url[24] = "https://t.co/";
        std::uint64_t bits = r.next();
        for (std::size_t i = 0; i < 10; ++i) {
            url[13 + i] = b62[bits % 62];
            bits /= 62;
        }
        try_append(" ", sv(url, 23));
    }
    // Short texts get filler sentences; every filler is < 40 bytes and every base text is far
    // below 240, so this always fits within k_max_text.
    while (text.size() < k_min_text) {
        PULSO_ASSERT(add_filler(), "text too long to pad: {}", text);
    }
}

void mention_generator::impl::write_time(rec_writer& out, const draft& d, fault f) {
    switch (f) {
    case fault::ts_bad_calendar:
        out.append("\"2026-13-45T25:61:00Z\"");
        return;
    case fault::ts_garbage:
        out.append("\"26/11/2026 04:00\"");
        return;
    case fault::ts_empty:
        out.append("\"\"");
        return;
    case fault::ts_1999:
        out.append("\"1999-12-31T23:59:59Z\"");
        return;
    case fault::ts_2100:
        append_i64(out, k_max_event_time + static_cast<millis>(d.id_num % 100'000));
        return;
    default:
        break;
    }
    const millis et = d.event_time;
    if (d.time_form == 3 && f != fault::ts_no_zone) {
        append_i64(out, et);
        return;
    }
    const bool offset = d.time_form == 2;
    const millis local = offset ? et + static_cast<millis>(d.offset_min) * k_minute : et;
    const std::int64_t secs = floor_div(local, 1000);
    const auto ms = static_cast<unsigned>(local - secs * 1000);
    char buf[40];
    if (offset) {
        format_civil_second(secs, buf);
    } else {
        if (secs != cached_second) {
            format_civil_second(secs, cached_civil);
            cached_second = secs;
        }
        std::memcpy(buf, cached_civil, 19);
    }
    std::size_t n = 19;
    if (ms != 0 || d.time_form == 1) {
        buf[n++] = '.';
        buf[n++] = static_cast<char>('0' + ms / 100);
        put2(buf + n, ms % 100);
        n += 2;
        if (d.time_form == 1) {
            const auto micro = static_cast<unsigned>(d.id_num % 1000);
            buf[n++] = static_cast<char>('0' + micro / 100);
            put2(buf + n, micro % 100);
            n += 2;
        }
    }
    if (f == fault::ts_no_zone) {
        // no zone designator: not RFC 3339
    } else if (offset) {
        const int om = d.offset_min;
        buf[n++] = om < 0 ? '-' : '+';
        const auto a = static_cast<unsigned>(om < 0 ? -om : om);
        put2(buf + n, a / 60);
        buf[n + 2] = ':';
        put2(buf + n + 3, a % 60);
        n += 5;
    } else {
        buf[n++] = 'Z';
    }
    out.push_back('"');
    out.append(buf, n);
    out.push_back('"');
}

void mention_generator::impl::emit_record(std::string& out, const draft& d, fault f) {
    rec_writer w(record_buf.data(), record_buf.size());
    write_record(w, d, f == fault::too_large ? fault::none : f);
    if (f != fault::too_large) {
        out.append(w.view());
        return;
    }
    // Past ingest.max_record_bytes (1 MiB) by repeating the text; allocates, but only when
    // asked for. Text holds no quote, so the first `"text":"` is the key.
    const sv rec = w.view();
    constexpr sv key = "\"text\":\"";
    const std::size_t at = rec.find(key) + key.size();
    const std::size_t begin = out.size();
    out.append(rec.substr(0, at));
    while (out.size() - begin < (1U << 20) + 4096) {
        out.append(d.text);
        out.push_back(' ');
    }
    out.append(rec.substr(at));
}

void mention_generator::impl::write_record(rec_writer& out, const draft& d, fault f) {
    if (f == fault::not_object) {
        out.append(k_not_objects[(bad_count / reason_count) % k_not_objects.size()]);
        return;
    }
    const std::size_t begin = out.size();
    out.push_back('{');
    auto key = [&out, begin](sv k) {
        if (out.size() != begin + 1) {
            out.push_back(',');
        }
        out.push_back('"');
        out.append(k);
        out.append("\":");
    };
    auto write_id = [&] {
        if (f == fault::omit_id) {
            return;
        }
        key("id");
        if (f == fault::id_number) {
            append_u64(out, d.id_num);
            return;
        }
        out.append("\"m");
        append_hex16(out, mix64(d.id_num + id_salt));
        out.push_back('"');
    };
    auto write_platform = [&] {
        if (f != fault::omit_platform) {
            key("platform");
            out.push_back('"');
            out.append(d.platform);
            out.push_back('"');
        }
    };
    auto write_created = [&] {
        if (f != fault::omit_created_at) {
            key("created_at");
            write_time(out, d, f);
        }
    };
    auto write_text = [&] {
        if (f == fault::omit_text) {
            return;
        }
        key("text");
        if (f == fault::text_number) {
            out.append("42");
            return;
        }
        out.push_back('"');
        out.append(d.text);
        out.push_back('"');
    };
    auto write_lang = [&] {
        if (!d.lang_field.empty()) {
            key("lang");
            out.push_back('"');
            out.append(d.lang_field);
            out.push_back('"');
        }
    };
    auto write_author = [&] {
        key("author");
        out.push_back('{');
        bool first = true;
        auto sub = [&](sv k) {
            if (!first) {
                out.push_back(',');
            }
            first = false;
            out.push_back('"');
            out.append(k);
            out.append("\":");
        };
        if (f != fault::omit_author_id) {
            sub("id");
            out.push_back('"');
            out.append(d.who.id_view());
            out.push_back('"');
        }
        if (d.has_handle) {
            sub("handle");
            out.push_back('"');
            out.append(d.who.handle_view());
            out.push_back('"');
        }
        sub("followers");
        if (f == fault::followers_string) {
            out.push_back('"');
            append_u64(out, d.who.followers);
            out.push_back('"');
        } else if (f == fault::followers_negative) {
            out.append("-5");
        } else {
            append_u64(out, d.who.followers);
        }
        if (d.verified >= 0) {
            sub("verified");
            out.append(d.verified != 0 ? "true" : "false");
        }
        out.push_back('}');
    };
    auto write_engagement = [&] {
        if (!d.has_engagement && f != fault::likes_string) {
            return;
        }
        key("engagement");
        out.append("{\"likes\":");
        if (f == fault::likes_string) {
            out.push_back('"');
            append_u64(out, d.likes);
            out.push_back('"');
        } else {
            append_u64(out, d.likes);
        }
        out.append(",\"shares\":");
        append_u64(out, d.shares);
        out.append(",\"comments\":");
        append_u64(out, d.comments);
        if (d.has_views) {
            out.append(",\"views\":");
            append_u64(out, d.views);
        }
        out.push_back('}');
    };

    if (d.alt_order) {
        write_id();
        write_author();
        write_text();
        write_platform();
        write_lang();
        write_engagement();
        write_created();
    } else {
        write_id();
        write_platform();
        write_created();
        write_text();
        write_lang();
        write_author();
        write_engagement();
    }
    if (d.has_repost) {
        key("repost_of");
        out.append("\"m");
        append_hex16(out, mix64(d.repost_of + id_salt));
        out.push_back('"');
    }
    if (!d.country.empty()) {
        key("country");
        out.push_back('"');
        out.append(d.country);
        out.push_back('"');
    }
    if (d.url_len > 0) {
        key("url");
        out.push_back('"');
        out.append(d.url, d.url_len);
        out.push_back('"');
    }
    if (f == fault::sentiment_range) {
        key("sentiment");
        out.append("1.5");
    } else if (opts.with_sentiment) {
        key("sentiment");
        int c = d.sentiment_cents;
        if (c < 0) {
            out.push_back('-');
            c = -c;
        }
        char buf[4] = {'0', '.', static_cast<char>('0' + c / 10), static_cast<char>('0' + c % 10)};
        out.append(buf, c == 0 ? 1 : 4);
    }
    if (d.extra == 1) {
        key("source");
        out.append("\"Twitter for Android\"");
    } else if (d.extra == 2) {
        key("meta");
        out.append("{\"collector\":\"v2\",\"tags\":[\"a\",\"b\"],\"score\":0.5,\"geo\":null}");
    }
    out.push_back('}');
    if (f == fault::truncate) {
        // Cut somewhere in the middle, on an ASCII byte so the payload stays valid UTF-8.
        const std::size_t len = out.size() - begin;
        std::size_t cut = begin + len * (40 + r.below(40)) / 100;
        while (cut > begin + 1 && static_cast<unsigned char>(out.view()[cut]) >= 0x80) {
            --cut;
        }
        out.resize(cut);
    }
}

// --- public face ------------------------------------------------------------------------
std::vector<std::string_view> scenario_names() {
    std::vector<std::string_view> v;
    for (const auto& s : k_scenarios) {
        v.push_back(s.name);
    }
    return v;
}

std::string_view scenario_description(std::string_view name) {
    const scenario_def* s = find_scenario(name);
    return s != nullptr ? s->description : std::string_view{};
}

std::string_view default_brands_yaml() {
    return k_brands_yaml;
}

std::vector<std::string_view> default_brand_names() {
    std::vector<std::string_view> v;
    for (const auto& b : k_brands) {
        v.push_back(b.name);
    }
    return v;
}

mention_generator::mention_generator(generator_options o)
    : impl_(std::make_unique<impl>(std::move(o))) {}
mention_generator::~mention_generator() = default;
mention_generator::mention_generator(mention_generator&&) noexcept = default;
mention_generator& mention_generator::operator=(mention_generator&&) noexcept = default;

bool mention_generator::next(std::string& out, millis& event_time) {
    return impl_->next(out, event_time);
}
std::uint64_t mention_generator::produced() const noexcept {
    return impl_->produced;
}
const record_truth& mention_generator::truth() const noexcept {
    return impl_->truth;
}
const generator_options& mention_generator::options() const noexcept {
    return impl_->opts;
}

} // namespace pulso
