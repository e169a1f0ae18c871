#include "detect_support.h"
#include "pulso/detect/baseline.h"
#include "pulso/detect/trend_tracker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace pulso {
namespace {

TEST(CountBaseline, AnscombeZHasUnitVarianceUnderPoisson) {
    const std::uint64_t seed = test::test_seed(7);
    std::mt19937_64 rng(seed);
    for (const double lambda : {3.0, 20.0, 150.0}) {
        count_baseline b;
        baseline_params p;
        p.overdispersion = 0.0;
        p.score_windows = 1;
        double sum = 0;
        double sum2 = 0;
        int n = 0;
        for (int i = 0; i < 4000; ++i) {
            const auto x = static_cast<double>(test::poisson(rng, lambda));
            const count_score s = b.observe(x, 1.0, p);
            if (i >= 200) {
                sum += s.z;
                sum2 += s.z * s.z;
                ++n;
            }
            b.update(x, 1.0, p, true);
        }
        const double mean = sum / n;
        const double var = sum2 / n - mean * mean;
        EXPECT_NEAR(mean, 0.0, 0.25) << "lambda " << lambda << " seed " << seed;
        EXPECT_NEAR(var, 1.0, 0.25) << "lambda " << lambda << " seed " << seed;
        EXPECT_NEAR(b.level, lambda, 0.2 * lambda + 1.0) << "seed " << seed;
    }
}

TEST(CountBaseline, SpikeDoesNotDragTheLevelUp) {
    count_baseline b;
    const baseline_params p;
    for (int i = 0; i < 50; ++i) {
        b.observe(40.0, 1.0, p);
        b.update(40.0, 1.0, p, true);
    }
    const count_score s = b.observe(400.0, 1.0, p);
    EXPECT_NEAR(s.expected, 40.0, 0.5);
    EXPECT_GT(s.z, 10.0);
    EXPECT_NEAR(s.factor(), 10.0, 0.2);
    b.update(400.0, 1.0, p, true);
    // Clipped at 40 + 3·sqrt(40) + 1 ≈ 60: the level moves by at most α·20 = 1.
    EXPECT_LT(b.level, 41.1);
    // Unclipped (a lasting new level after freeze_max_windows) it follows.
    count_baseline c = b;
    c.update(400.0, 1.0, p, false);
    EXPECT_GT(c.level, 55.0);
}

TEST(CountBaseline, SlidingSumCoversScoreWindows) {
    count_baseline b;
    baseline_params p;
    p.score_windows = 3;
    for (int i = 0; i < 10; ++i) {
        b.observe(10.0, 1.0, p);
        b.update(10.0, 1.0, p, true);
    }
    const count_score s = b.observe(50.0, 1.0, p);
    EXPECT_DOUBLE_EQ(s.sum_observed, 70.0);
    EXPECT_NEAR(s.sum_expected, 30.0, 1e-3);
    EXPECT_NEAR(s.z, (anscombe(70.0) - anscombe(30.0)) / std::sqrt(1.0 + 0.005 * 30.0), 0.05);
}

TEST(ShareBaseline, BinomialZOfAJump) {
    share_baseline s;
    const baseline_params p;
    for (int i = 0; i < 60; ++i) {
        s.update(20.0, 100.0, 100.0, p, true);
    }
    EXPECT_NEAR(s.share(), 0.2, 0.01);
    EXPECT_NEAR(s.z(20.0, 100.0, 0.0), 0.0, 0.1);
    EXPECT_GT(s.z(60.0, 100.0, 0.005), 6.0);
    s.update(80.0, 100.0, 100.0, p, true); // clipped near 20 + 3·4 + 1
    EXPECT_LT(s.share(), 0.22);
    // A campaign window (10× the mentions, same negatives) weighs as a busy usual window.
    share_baseline t = s;
    t.update(20.0, 1000.0, 100.0, p, true);
    EXPECT_GT(t.share(), 0.19);
}

TEST(HourOfWeek, MondayIsZero) {
    EXPECT_EQ(hour_of_week(0), 72);                            // 1970-01-01 was a Thursday
    EXPECT_EQ(hour_of_week(test::k_t0), 3 * 24 + 4);           // 2026-11-26 04:00 is a Thursday
    EXPECT_EQ(hour_of_week(test::k_t0 + 4 * 86'400'000LL), 4); // Monday 04:00
}

space_saving<std::string> sketch(std::initializer_list<std::pair<const char*, std::uint64_t>> xs) {
    space_saving<std::string> s(1000);
    for (const auto& [k, n] : xs) {
        s.add(k, n);
    }
    return s;
}

TEST(TrendTracker, NewItemRisesSteadyOnesDoNot) {
    trend_tracker t(0);
    const trend_params p;
    std::vector<trend_candidate> out;
    for (std::int64_t w = 0; w < 10; ++w) {
        t.observe(w, sketch({{"#steady", 50}, {"#also", 12}}), 500, p, {}, out);
        EXPECT_TRUE(out.empty()) << "window " << w; // warm-up, then steady: nothing rises
    }
    t.observe(10, sketch({{"#steady", 52}, {"#also", 12}, {"#new", 40}}), 500, p, {}, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].item, "#new");
    EXPECT_EQ(out[0].count, 40U);
    EXPECT_DOUBLE_EQ(out[0].baseline, 0.0);
    EXPECT_DOUBLE_EQ(out[0].score, 45.0 / 5.0);
    EXPECT_NEAR(t.baseline_of("#steady", 11, p.alpha), 50.2, 0.3);
}

TEST(TrendTracker, GatesOnCountAuthorsAndSkip) {
    trend_tracker t(0);
    const trend_params p;
    std::vector<trend_candidate> out;
    for (std::int64_t w = 0; w < 6; ++w) {
        t.observe(w, sketch({{"x", 1}}), 100, p, {}, out);
    }
    t.observe(6, sketch({{"small", 9}, {"lonely", 30}, {"mine", 30}, {"ok", 30}}), 2, p, {}, out);
    EXPECT_TRUE(out.empty()); // 2 authors < min_authors 3
    t.observe(
        7, sketch({{"small2", 9}, {"mine2", 30}, {"ok2", 30}}), 50, p,
        [](std::string_view s) { return s == "mine2"; }, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].item, "ok2");
}

TEST(TrendTracker, MemoryIsBounded) {
    trend_tracker t(0);
    trend_params p;
    p.max_items = 100;
    std::vector<trend_candidate> out;
    for (std::int64_t w = 0; w < 200; ++w) {
        space_saving<std::string> s(1000);
        for (int i = 0; i < 50; ++i) {
            s.add("item" + std::to_string(w * 50 + i), 1);
        }
        t.observe(w, s, 100, p, {}, out);
        EXPECT_LE(t.tracked(), 100U + 50U);
    }
    EXPECT_LE(t.tracked(), 150U);
}

TEST(TrendTracker, AbsentItemsDecayAndAreDropped) {
    trend_tracker t(0);
    const trend_params p;
    std::vector<trend_candidate> out;
    t.observe(0, sketch({{"gone", 10}}), 100, p, {}, out);
    for (std::int64_t w = 1; w < 100; ++w) {
        t.observe(w, sketch({{"stay", 10}}), 100, p, {}, out);
    }
    EXPECT_EQ(t.tracked(), 1U);
}

TEST(TrendTracker, SnapshotRoundTrip) {
    trend_tracker a(3);
    const trend_params p;
    std::vector<trend_candidate> out;
    for (std::int64_t w = 3; w < 20; ++w) {
        a.observe(w, sketch({{"#a", static_cast<std::uint64_t>(w)}, {"b", 7}}), 100, p, {}, out);
    }
    std::string blob;
    a.save(blob);
    trend_tracker b;
    std::size_t pos = 0;
    ASSERT_TRUE(b.restore(blob, pos));
    EXPECT_EQ(pos, blob.size());
    std::string again;
    b.save(again);
    EXPECT_EQ(blob, again);
    EXPECT_DOUBLE_EQ(a.baseline_of("#a", 20, p.alpha), b.baseline_of("#a", 20, p.alpha));
    pos = 0;
    EXPECT_FALSE(b.restore(std::string_view(blob).substr(0, blob.size() - 3), pos));
}

} // namespace
} // namespace pulso
