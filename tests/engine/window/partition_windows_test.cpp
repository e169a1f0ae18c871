#include "evidence_reference.h"
#include "pulso/window/partition_windows.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace pulso {
namespace {

using test::owned_mention;

constexpr millis k_t0 = 1'795'000'000'000; // 2026-11-18: an arbitrary, unaligned base

// ----------------------------------------------------------------------------------------------
// The plain reference: a std::map<(window start, brand), counts> fold with exact sets.

struct ref_window {
    std::uint64_t mentions = 0;
    std::array<std::uint64_t, 3> sentiment{};
    std::uint64_t reach = 0;
    std::uint64_t engagement = 0;
    std::uint64_t reposts = 0;
    double score_sum = 0.0;
    std::map<std::string, std::uint64_t> platforms;
    std::map<std::string, std::uint64_t> languages;
    std::set<std::string> authors;
    std::map<std::string, std::uint64_t> hashtags;
    std::map<std::string, std::uint64_t> terms;
    std::map<std::uint64_t, std::uint64_t> clusters; ///< by cluster_key
    std::vector<const owned_mention*> folded;
};

constexpr std::int64_t k_all = -1; ///< brand `*` in reference keys
using ref_key = std::pair<millis, std::int64_t>;

struct reference {
    window_options opts;
    struct partition {
        std::unordered_map<std::string, millis> accepted;
        millis max_event = k_no_watermark;
    };
    std::vector<partition> parts;
    std::map<ref_key, ref_window> windows;

    reference(const window_options& o, std::size_t partitions) : opts(o), parts(partitions) {}

    [[nodiscard]] millis watermark() const {
        millis wm = std::numeric_limits<millis>::max();
        for (const auto& p : parts) {
            wm = std::min(wm, p.max_event == k_no_watermark ? k_no_watermark
                                                            : p.max_event - opts.max_out_of_order);
        }
        return wm;
    }

    static void fold(ref_window& w, const owned_mention& m) {
        ++w.mentions;
        ++w.sentiment[static_cast<std::size_t>(m.cls())];
        w.reach += m.followers;
        w.engagement += m.likes + m.shares + m.comments;
        w.reposts += m.has_repost ? 1 : 0;
        w.score_sum += m.score;
        ++w.platforms[std::string(to_string(m.plat))];
        ++w.languages[std::string(m.lang.view())];
        w.authors.insert(m.author_id);
        for (const auto& h : m.hashtags) {
            ++w.hashtags[h];
        }
        for (const auto& t : m.terms) {
            ++w.terms[t];
        }
        ++w.clusters[m.cluster_key];
        w.folded.push_back(&m);
    }

    fold_result add(const owned_mention& m, std::size_t p, millis wm) {
        partition& rp = parts[p];
        const auto it = rp.accepted.find(m.id);
        if (it != rp.accepted.end() && rp.max_event - it->second <= opts.dedupe_horizon) {
            return fold_result::duplicate;
        }
        rp.accepted[m.id] = m.created_at;
        rp.max_event = std::max(rp.max_event, m.created_at);
        bool folded = false;
        // Every multiple of slide s with s <= t < s + size, found the slow way.
        for (millis s = floor_div(m.created_at, opts.slide) * opts.slide;
             s > m.created_at - opts.size; s -= opts.slide) {
            if (s + opts.size + opts.allowed_lateness <= wm) {
                continue; // final
            }
            folded = true;
            fold(windows[{s, k_all}], m);
            for (const std::uint32_t b : m.brands) {
                fold(windows[{s, b}], m);
            }
        }
        return folded ? fold_result::folded : fold_result::late;
    }
};

// ----------------------------------------------------------------------------------------------

std::uint64_t hll_bound(std::uint64_t exact) {
    return std::max<std::uint64_t>(2, exact / 50);
}

template <class Map> std::vector<std::pair<std::string, std::uint64_t>> ref_top10(const Map& m) {
    std::vector<std::pair<std::string, std::uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    v.resize(std::min<std::size_t>(10, v.size()));
    return v;
}

void expect_sketch(const space_saving<std::string>& ss,
                   const std::map<std::string, std::uint64_t>& truth, const char* what) {
    SCOPED_TRACE(what);
    if (truth.size() <= ss.capacity()) {
        ASSERT_TRUE(ss.exact());
        ASSERT_EQ(ss.size(), truth.size());
        for (const auto& c : ss.items()) {
            const auto it = truth.find(c.key);
            ASSERT_NE(it, truth.end()) << c.key;
            ASSERT_EQ(c.count, it->second) << c.key;
        }
        const auto top = ss.top(10);
        const auto want = ref_top10(truth);
        ASSERT_EQ(top.size(), want.size());
        for (std::size_t i = 0; i < top.size(); ++i) {
            EXPECT_EQ(top[i].key, want[i].first);
            EXPECT_EQ(top[i].count, want[i].second);
        }
    } else {
        for (const auto& c : ss.items()) {
            const auto it = truth.find(c.key);
            const std::uint64_t t = it == truth.end() ? 0 : it->second;
            ASSERT_LE(c.count - c.error, t) << c.key;
            ASSERT_LE(t, c.count) << c.key;
        }
    }
}

void expect_window(const brand_window& w, const ref_window& r, const window_options& opts,
                   window_scope scope) {
    ASSERT_EQ(w.scope(), scope);
    ASSERT_EQ(w.mentions, r.mentions);
    EXPECT_EQ(w.sentiment, r.sentiment);
    EXPECT_EQ(w.reach, r.reach);
    EXPECT_EQ(w.engagement, r.engagement);
    EXPECT_EQ(w.reposts, r.reposts);
    EXPECT_NEAR(w.score_sum, r.score_sum, 1e-6 * static_cast<double>(r.mentions + 1));
    std::map<std::string, std::uint64_t> plats;
    for (std::size_t i = 0; i < k_platform_count; ++i) {
        if (w.platforms[i] != 0) {
            plats[std::string(k_platform_names[i])] = w.platforms[i];
        }
    }
    EXPECT_EQ(plats, r.platforms);
    std::map<std::string, std::uint64_t> langs;
    for (const auto& [code, n] : w.languages) {
        langs[std::string(code.view())] += n;
    }
    EXPECT_EQ(langs, r.languages);
    const std::uint64_t exact = r.authors.size();
    const std::uint64_t est = w.authors.estimate();
    EXPECT_LE(est > exact ? est - exact : exact - est, hll_bound(exact))
        << "exact " << exact << " estimate " << est;
    expect_sketch(w.hashtags, r.hashtags, "hashtags");
    expect_sketch(w.terms, r.terms, "terms");
    if (scope == window_scope::all) {
        // `*` folds no clusters and no evidence: no output reads them (see window_scope).
        EXPECT_TRUE(w.clusters.empty());
        EXPECT_TRUE(w.top_authors.empty() && w.samples.empty() && w.negative_samples.empty() &&
                    w.influencer_hits.empty());
        return;
    }
    // Cluster keys come from 20 values, under the 64 counters: the sketch is exact.
    std::uint64_t max_cluster = 0;
    for (const auto& [key, n] : r.clusters) {
        max_cluster = std::max(max_cluster, n);
        const auto* c = w.clusters.find(key);
        ASSERT_NE(c, nullptr) << "cluster " << key;
        EXPECT_EQ(c->count, n) << "cluster " << key;
    }
    EXPECT_EQ(w.clusters.size(), r.clusters.size());
    EXPECT_EQ(w.clusters.max_count(), max_cluster);
    test::expect_evidence(w, test::reference_evidence(r.folded, opts.influencer_followers));
}

struct stream_params {
    std::size_t count;
    std::size_t authors;
    std::size_t hashtag_pool;
    millis mean_gap;
    std::uint32_t brands;
};

owned_mention random_mention(std::mt19937_64& rng, const stream_params& sp, std::size_t i,
                             millis t) {
    static constexpr std::array<const char*, 5> k_langs = {"en", "es", "pt", "und", "fr"};
    static constexpr std::array<std::uint64_t, 6> k_followers = {0,       10,      1000,
                                                                 100'000, 200'000, 5'000'000};
    owned_mention m;
    m.id = test::cat("id", i);
    const auto a = rng() % sp.authors;
    m.author_id = test::cat("a", a);
    m.handle = a % 4 == 0 ? "" : test::cat("@", a);
    m.created_at = t;
    m.followers = rng() % 3 == 0 ? rng() % 1'000'000 : k_followers[rng() % k_followers.size()];
    m.likes = rng() % 50;
    m.shares = rng() % 5;
    m.comments = rng() % 7;
    m.plat = static_cast<platform>(rng() % k_platform_count);
    m.lang = test::make_lang(k_langs[rng() % k_langs.size()]);
    m.has_repost = rng() % 5 == 0;
    if (m.has_repost) {
        m.repost_of = test::cat("orig", rng() % 10);
    }
    static constexpr std::array<float, 7> k_scores = {-0.8F,  -0.05F, -0.049F, 0.0F,
                                                      0.049F, 0.05F,  0.9F};
    m.score = k_scores[rng() % k_scores.size()];
    for (std::uint32_t b = 0; b < sp.brands; ++b) {
        if (rng() % 3 == 0) {
            m.brands.push_back(b);
        }
    }
    std::set<std::string> tags;
    for (std::size_t k = rng() % 4; k > 0; --k) {
        tags.insert(test::cat("#h", rng() % sp.hashtag_pool));
    }
    m.hashtags.assign(tags.begin(), tags.end());
    std::set<std::string> terms;
    for (std::size_t k = rng() % 6; k > 0; --k) {
        terms.insert(test::cat("t", rng() % (2 * sp.hashtag_pool)));
    }
    m.terms.assign(terms.begin(), terms.end());
    m.cluster_key = rng() % 20;
    return m;
}

window_options random_options(std::mt19937_64& rng) {
    window_options o;
    static constexpr std::array<millis, 3> k_sizes = {12'000, 24'000, 60'000};
    static constexpr std::array<millis, 5> k_div = {1, 1, 2, 3, 4};
    o.size = k_sizes[rng() % k_sizes.size()];
    o.slide = o.size / k_div[rng() % k_div.size()];
    static constexpr std::array<millis, 4> k_late = {0, 0, 3'000, 30'000};
    o.allowed_lateness = k_late[rng() % k_late.size()];
    static constexpr std::array<millis, 3> k_ooo = {0, 2'000, 10'000};
    o.max_out_of_order = k_ooo[rng() % k_ooo.size()];
    static constexpr std::array<millis, 3> k_horizon = {5'000, 30'000, 600'000};
    o.dedupe_horizon = k_horizon[rng() % k_horizon.size()];
    static constexpr std::array<std::size_t, 4> k_cap = {1000, 1000, 50, 8};
    o.sketch_capacity = k_cap[rng() % k_cap.size()];
    o.influencer_followers = rng() % 2 ? 100'000 : 1000;
    return o;
}

struct run_stats {
    std::size_t folded = 0, duplicate = 0, late = 0, records = 0;
};

/// Runs one random stream through `partitions` shards and a merger, checking every window
/// record against the reference as it completes, then recycling it into a shard.
void run_property_iteration(std::mt19937_64& rng, bool big, run_stats& stats) {
    const window_options opts = random_options(rng);
    const std::size_t partitions = 1 + rng() % 4;
    stream_params sp{};
    sp.brands = 1 + static_cast<std::uint32_t>(rng() % 6);
    if (big) {
        sp.count = 15'000;
        sp.authors = 50'000;
        sp.hashtag_pool = 2000;
        sp.mean_gap = opts.size / 5000;
    } else {
        sp.count = 50 + rng() % 1500;
        sp.authors = 1 + rng() % 500;
        sp.hashtag_pool = 1 + rng() % 300;
        sp.mean_gap = std::max<millis>(1, opts.size / static_cast<millis>(5 + rng() % 200));
    }
    SCOPED_TRACE(test::cat("size ", opts.size) + test::cat(" slide ", opts.slide) +
                 test::cat(" lateness ", opts.allowed_lateness) + " ooo " +
                 std::to_string(opts.max_out_of_order) + " horizon " +
                 std::to_string(opts.dedupe_horizon) + " k " +
                 std::to_string(opts.sketch_capacity) + " partitions " +
                 std::to_string(partitions) + test::cat(" mentions ", sp.count));

    std::vector<std::unique_ptr<partition_windows>> shards;
    for (std::size_t p = 0; p < partitions; ++p) {
        shards.push_back(
            std::make_unique<partition_windows>(opts, sp.brands, static_cast<std::int32_t>(p)));
    }
    window_merger merger(opts);
    reference ref(opts, partitions);
    std::deque<owned_mention> stream; // stable addresses: the reference keeps pointers
    std::vector<std::int64_t> next_offset(partitions, 0);
    std::set<ref_key> emitted;
    std::vector<window_partial> partials;
    std::vector<window_partial> done;

    auto check_done = [&] {
        for (auto& w : done) {
            ASSERT_EQ(w.end, w.start + opts.size);
            ASSERT_TRUE(w.all);
            ASSERT_TRUE(emitted.insert({w.start, k_all}).second) << "window published twice";
            const auto r = ref.windows.find({w.start, k_all});
            ASSERT_NE(r, ref.windows.end()) << "window the reference does not have";
            expect_window(*w.all, r->second, opts, window_scope::all);
            std::uint32_t prev = 0;
            for (std::size_t i = 0; i < w.brands.size(); ++i) {
                const auto& [id, bw] = w.brands[i];
                ASSERT_TRUE(i == 0 || id > prev) << "brands not ascending";
                prev = id;
                ASSERT_TRUE(emitted.insert({w.start, id}).second);
                const auto rb = ref.windows.find({w.start, id});
                ASSERT_NE(rb, ref.windows.end());
                SCOPED_TRACE(test::cat("brand ", id));
                expect_window(*bw, rb->second, opts, window_scope::brand);
            }
            ++stats.records;
            // Spent partials go back to a shard's free list: reset bugs would show up later.
            shards[rng() % partitions]->recycle(std::move(w));
        }
        done.clear();
    };
    auto global_wm = [&] {
        millis wm = std::numeric_limits<millis>::max();
        for (const auto& s : shards) {
            wm = std::min(wm, s->local_watermark());
        }
        return wm;
    };
    auto seal = [&](millis wm) {
        for (const auto& s : shards) {
            s->seal(wm, partials);
        }
        std::shuffle(partials.begin(), partials.end(), rng);
        for (auto& p : partials) {
            merger.add(std::move(p));
        }
        partials.clear();
        merger.complete(wm, done);
    };

    millis cur = k_t0 + static_cast<millis>(rng() % 1'000'000);
    const std::size_t seal_every = 1 + rng() % 60;
    for (std::size_t i = 0; i < sp.count; ++i) {
        cur += static_cast<millis>(rng() % static_cast<std::uint64_t>(2 * sp.mean_gap + 1));
        const auto r = rng() % 100;
        const millis ooo = opts.max_out_of_order;
        millis t = cur;
        if (r < 70) {
            t = cur - static_cast<millis>(rng() % static_cast<std::uint64_t>(ooo + 1));
        } else if (r < 85) {
            t = cur -
                static_cast<millis>(rng() % static_cast<std::uint64_t>(
                                                2 * ooo + opts.allowed_lateness + opts.slide + 1));
        } else if (r < 91) {
            t = cur - static_cast<millis>(rng() % static_cast<std::uint64_t>(3 * opts.size + 1));
        } else if (r < 94) {
            t = cur + static_cast<millis>(rng() % static_cast<std::uint64_t>(ooo + 1));
        }
        if (r >= 94 && !stream.empty()) {
            // A duplicate of a recent mention: as it was, or re-sent later.
            const std::size_t back = 1 + rng() % std::min<std::size_t>(stream.size(), 300);
            owned_mention d = stream[stream.size() - back];
            if (rng() % 3 == 0) {
                d.created_at = cur;
            }
            stream.push_back(std::move(d));
        } else {
            stream.push_back(random_mention(rng, sp, i, t));
        }
        owned_mention& m = stream.back();
        const std::size_t p = hash64(m.id) % partitions;
        m.offset = next_offset[p]++;
        const millis wm = global_wm();
        ASSERT_EQ(wm, ref.watermark());
        ASSERT_EQ(shards[p]->local_watermark(), ref.parts[p].max_event == k_no_watermark
                                                    ? k_no_watermark
                                                    : ref.parts[p].max_event - ooo);
        const fold_result got = shards[p]->add(m.view(), wm);
        const fold_result want = ref.add(m, p, wm);
        ASSERT_EQ(static_cast<int>(got), static_cast<int>(want)) << "mention " << i << " " << m.id;
        stats.folded += got == fold_result::folded;
        stats.duplicate += got == fold_result::duplicate;
        stats.late += got == fold_result::late;
        if (rng() % seal_every == 0) {
            seal(global_wm());
            check_done();
            if (::testing::Test::HasFatalFailure()) {
                return;
            }
        }
    }
    for (const auto& s : shards) {
        s->seal_all(partials);
        EXPECT_EQ(s->open_windows(), 0U);
        EXPECT_EQ(s->min_open_offset(), -1);
    }
    for (auto& p : partials) {
        merger.add(std::move(p));
    }
    partials.clear();
    merger.complete_all(done);
    check_done();
    // Every reference window was published, and nothing else.
    std::set<ref_key> want;
    for (const auto& [k, w] : ref.windows) {
        want.insert(k);
    }
    EXPECT_EQ(emitted, want);
}

TEST(PartitionWindows, MatchesReferenceOnRandomStreams) {
    const std::uint64_t seed = test::test_seed("PartitionWindows.MatchesReferenceOnRandomStreams");
    const auto t_start = std::chrono::steady_clock::now();
    run_stats stats;
    constexpr int k_iterations = 300;
    for (int iter = 0; iter < k_iterations; ++iter) {
        std::mt19937_64 rng(seed + static_cast<std::uint64_t>(iter));
        SCOPED_TRACE(test::cat("iteration ", iter) + " (rng seed " +
                     std::to_string(seed + static_cast<std::uint64_t>(iter)) + ")");
        run_property_iteration(rng, iter % 50 == 49, stats);
        if (::testing::Test::HasFailure()) {
            break;
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::cout << "[ property ] " << k_iterations << " streams: " << stats.folded << " folded, "
              << stats.duplicate << " duplicate, " << stats.late << " late, " << stats.records
              << " windows checked in " << secs << " s\n";
    // The generator must exercise every path.
    EXPECT_GT(stats.duplicate, 0U);
    EXPECT_GT(stats.late, 0U);
    EXPECT_GT(stats.records, 1000U);
}

// ----------------------------------------------------------------------------------------------

owned_mention simple(std::string id, millis t, std::int64_t offset = 0) {
    owned_mention m;
    m.id = std::move(id);
    m.author_id = "a";
    m.created_at = t;
    m.offset = offset;
    m.brands = {0};
    return m;
}

TEST(TumblingWindow, ClosesAtWatermark) {
    window_options opts; // 60 s tumbling, 10 s out of order, no lateness
    partition_windows pw(opts, 1);
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000; // a window start
    auto a = simple("a", base + 5'000);
    ASSERT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.local_watermark(), base - 5'000);
    EXPECT_EQ(pw.max_event_time(), base + 5'000);
    std::vector<window_partial> out;
    pw.seal(base + 59'999, out);
    EXPECT_TRUE(out.empty());
    pw.seal(base + 60'000, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].start, base);
    EXPECT_EQ(out[0].end, base + 60'000);
    EXPECT_EQ(out[0].all->mentions, 1U);
    ASSERT_EQ(out[0].brands.size(), 1U);
    EXPECT_EQ(pw.open_windows(), 0U);
}

TEST(TumblingWindow, LateMentionIsNotFolded) {
    window_options opts;
    opts.allowed_lateness = 5'000;
    partition_windows pw(opts, 1);
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;
    auto a = simple("a", base + 1'000);
    // Final when the watermark reaches end + lateness.
    EXPECT_EQ(pw.add(a.view(), base + 64'999), fold_result::folded);
    auto b = simple("b", base + 2'000);
    EXPECT_EQ(pw.add(b.view(), base + 65'000), fold_result::late);
    // A late mention is remembered for dedupe.
    EXPECT_EQ(pw.add(b.view(), base + 65'000), fold_result::duplicate);
    std::vector<window_partial> out;
    pw.seal_all(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].all->mentions, 1U);
}

TEST(HoppingWindow, MentionFoldsIntoEveryWindowContainingIt) {
    window_options opts;
    opts.size = 60'000;
    opts.slide = 20'000;
    partition_windows pw(opts, 1);
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;
    auto a = simple("a", base + 45'000);
    ASSERT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.open_windows(), 3U);
    std::vector<window_partial> out;
    pw.seal_all(out);
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[0].start, base);
    EXPECT_EQ(out[1].start, base + 20'000);
    EXPECT_EQ(out[2].start, base + 40'000);
    // Hopping: a window that is final is skipped, the others still take the mention.
    partition_windows pw2(opts, 1);
    EXPECT_EQ(pw2.add(a.view(), base + 60'000), fold_result::folded);
    EXPECT_EQ(pw2.open_windows(), 2U);
}

TEST(WindowsBeforeEpoch, AlignToMultiplesOfSlide) {
    window_options opts;
    opts.size = 60'000;
    opts.slide = 30'000;
    partition_windows pw(opts, 1);
    auto a = simple("a", k_min_event_time + 1);
    ASSERT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    std::vector<window_partial> out;
    pw.seal_all(out);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[0].start % 30'000, 0);
    EXPECT_EQ(out[1].start, k_min_event_time);
}

TEST(Dedupe, DuplicateWithinHorizonIsDropped) {
    window_options opts;
    opts.dedupe_horizon = 10'000;
    partition_windows pw(opts, 1);
    const millis t = 1'800'000'000'000;
    auto a = simple("x", t);
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::duplicate);
    auto later = simple("y", t + 10'000);
    EXPECT_EQ(pw.add(later.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::duplicate); // exactly the horizon
    auto later2 = simple("z", t + 10'001);
    EXPECT_EQ(pw.add(later2.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded); // expired: accepted again
    // ... at its own (old) event time, so it is still outside the horizon next time.
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    auto fresh = simple("x", t + 10'001);
    EXPECT_EQ(pw.add(fresh.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.add(fresh.view(), k_no_watermark), fold_result::duplicate);
    EXPECT_EQ(pw.add(a.view(), k_no_watermark), fold_result::duplicate);
}

TEST(Dedupe, TableStaysBoundedByIdsWithinHorizon) {
    window_options opts;
    opts.dedupe_horizon = 10'000;
    partition_windows pw(opts, 1);
    std::vector<window_partial> out;
    const millis t0 = 1'800'000'000'000;
    std::size_t max_slots = 0;
    // 1,000 ids per second of event time for 300 s: 10,000 ids within the horizon at a time.
    for (int i = 0; i < 300'000; ++i) {
        auto m = simple(test::cat("id", i), t0 + i);
        ASSERT_EQ(pw.add(m.view(), pw.local_watermark()), fold_result::folded);
        max_slots = std::max(max_slots, pw.dedupe_slots());
        if (i % 1000 == 0) {
            pw.seal(pw.local_watermark(), out);
            out.clear();
        }
    }
    // Live ids ≤ 10,001. After a purge live ids fill at most a quarter of the table and the
    // table doubles only while they fill more: fewer than 8 slots per live id at any time;
    // the table (live + expired not yet purged) is at most half full.
    EXPECT_LE(pw.dedupe_entries(), pw.dedupe_slots() / 2);
    EXPECT_LT(max_slots, 8 * 10'001U);
    std::cout << "[ dedupe   ] peak slots " << max_slots << " for 10,001 ids within horizon\n";
}

TEST(PartitionWindows, MinOpenOffsetTracksOpenWindows) {
    window_options opts;
    partition_windows pw(opts, 1);
    EXPECT_EQ(pw.min_open_offset(), -1);
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;
    auto a = simple("a", base + 1'000, 7);
    auto b = simple("b", base + 61'000, 8);
    auto c = simple("c", base + 2'000, 9);
    ASSERT_EQ(pw.add(a.view(), k_no_watermark), fold_result::folded);
    ASSERT_EQ(pw.add(b.view(), k_no_watermark), fold_result::folded);
    ASSERT_EQ(pw.add(c.view(), k_no_watermark), fold_result::folded);
    EXPECT_EQ(pw.min_open_offset(), 7);
    std::vector<window_partial> out;
    pw.seal(base + 60'000, out);
    EXPECT_EQ(pw.min_open_offset(), 8);
    pw.seal_all(out);
    EXPECT_EQ(pw.min_open_offset(), -1);
}

TEST(WindowMerger, MergesBrandByBrand) {
    window_options opts;
    partition_windows p0(opts, 4, 0);
    partition_windows p1(opts, 4, 1);
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;
    auto a = simple("a", base + 1'000);
    a.brands = {0, 2};
    auto b = simple("b", base + 2'000);
    b.brands = {1, 2};
    ASSERT_EQ(p0.add(a.view(), k_no_watermark), fold_result::folded);
    ASSERT_EQ(p1.add(b.view(), k_no_watermark), fold_result::folded);
    std::vector<window_partial> out;
    p1.seal_all(out);
    p0.seal_all(out);
    window_merger merger(opts);
    for (auto& p : out) {
        merger.add(std::move(p));
    }
    std::vector<window_partial> done;
    merger.complete(base + 59'999, done);
    EXPECT_TRUE(done.empty());
    merger.complete(base + 60'000, done);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].partition, -1);
    EXPECT_EQ(done[0].all->mentions, 2U);
    ASSERT_EQ(done[0].brands.size(), 3U);
    EXPECT_EQ(done[0].brands[0].first, 0U);
    EXPECT_EQ(done[0].brands[1].first, 1U);
    EXPECT_EQ(done[0].brands[2].first, 2U);
    EXPECT_EQ(done[0].brands[2].second->mentions, 2U);
    EXPECT_EQ(done[0].brands[2].second->authors.estimate(), 1U);
}

/// With spent partials recycled, folding allocates nothing once warm (keys within the
/// small-string buffer, a periodic workload).
TEST(PartitionWindows, SteadyStateFoldAllocatesNothing) {
    window_options opts; // 60 s tumbling
    constexpr std::uint32_t k_brands = 50;
    partition_windows pw(opts, k_brands);
    std::mt19937_64 rng(1);
    std::vector<owned_mention> pool(2000);
    for (std::size_t i = 0; i < pool.size(); ++i) {
        owned_mention& m = pool[i];
        m.author_id = test::cat("a", rng() % 3000);
        m.handle = test::cat("@", rng() % 3000);
        m.followers = rng() % 1'000'000;
        m.score = static_cast<float>(static_cast<double>(rng() % 200) / 100.0 - 1.0);
        m.plat = static_cast<platform>(rng() % k_platform_count);
        m.lang = test::make_lang(rng() % 2 ? "es" : "en");
        m.brands = {static_cast<std::uint32_t>(rng() % k_brands)};
        m.hashtags = {test::cat("#h", rng() % 200), test::cat("#k", rng() % 50)};
        m.terms = {test::cat("t", rng() % 2000), test::cat("u", rng() % 100)};
        m.cluster_key = rng() % 100;
    }
    const millis base = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;
    std::vector<window_partial> out;
    std::size_t n = 0;
    std::size_t allocations = 0;
    constexpr int k_windows = 40;
    for (int w = 0; w < k_windows; ++w) {
        for (std::size_t i = 0; i < pool.size(); ++i, ++n) {
            owned_mention& m = pool[i];
            m.id = test::cat("i", n % 10'000'000); // within the small-string buffer
            m.created_at = base + w * 60'000 + static_cast<millis>(i * 25);
            auto em = m.view();
            const std::size_t b2 = test::allocation_count();
            ASSERT_EQ(pw.add(em, pw.local_watermark()), fold_result::folded);
            if (w >= k_windows / 2) {
                allocations += test::allocation_count() - b2;
            }
        }
        pw.seal(pw.local_watermark(), out);
        for (auto& p : out) {
            pw.recycle(std::move(p));
        }
        out.clear();
    }
    EXPECT_EQ(allocations, 0U) << "allocations in add() over the last " << k_windows / 2
                               << " windows";
    EXPECT_GT(pw.free_brand_windows(), 0U);
}

} // namespace
} // namespace pulso
