#include "evidence_reference.h"
#include "pulso/window/brand_window.h"
#include "pulso/window/partition_windows.h"
#include "pulso/window/window_record.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace pulso {
namespace {

using test::owned_mention;

using test::dump;
using test::expect_evidence;
using test::expected_evidence;

expected_evidence reference_evidence(std::vector<owned_mention>& ms, std::uint64_t infl) {
    std::vector<const owned_mention*> ptrs;
    for (const auto& m : ms) {
        ptrs.push_back(&m);
    }
    return test::reference_evidence(ptrs, infl);
}

std::vector<owned_mention> random_mentions(std::mt19937_64& rng, std::size_t n, millis t0) {
    static constexpr std::uint64_t k_followers[] = {0, 50, 99'999, 100'000, 150'000, 2'000'000};
    static constexpr float k_scores[] = {-0.9F, -0.3F, -0.05F, 0.0F, 0.04F, 0.5F};
    std::vector<owned_mention> ms(n);
    for (std::size_t i = 0; i < n; ++i) {
        owned_mention& m = ms[i];
        m.id = test::cat("m", rng() % 100'000) + test::cat("-", i);
        const auto a = rng() % 40;
        m.author_id = test::cat("a", a);
        m.handle = a % 3 == 0 ? "" : test::cat("@h", a);
        m.followers = rng() % 2 ? k_followers[rng() % 6] : rng() % 300'000;
        m.score = k_scores[rng() % 6];
        m.created_at = t0 + static_cast<millis>(rng() % 60'000);
        m.plat = static_cast<platform>(rng() % k_platform_count);
        m.lang = test::make_lang(rng() % 2 ? "es" : "en");
        m.brands = {0};
        m.hashtags = {test::cat("#h", rng() % 20)};
        m.terms = {test::cat("t", rng() % 30), test::cat("u", rng() % 5)};
        m.cluster_key = rng() % 10;
    }
    return ms;
}

TEST(BrandWindow, AddCountsEveryField) {
    window_options opts;
    brand_window w(opts);
    owned_mention a;
    a.id = "1";
    a.author_id = "u1";
    a.followers = 1000;
    a.likes = 1;
    a.shares = 2;
    a.comments = 3;
    a.plat = platform::twitter;
    a.lang = test::make_lang("es");
    a.score = -0.5F;
    a.hashtags = {"#acme", "#fail"};
    a.terms = {"refund"};
    a.has_repost = true;
    a.repost_of = "0";
    owned_mention b = a;
    b.id = "2";
    b.author_id = "u2";
    b.followers = 200'000;
    b.plat = platform::facebook;
    b.lang = test::make_lang("en");
    b.score = 0.3F;
    b.has_repost = false;
    b.hashtags = {"#acme"};
    w.add(a.view());
    w.add(b.view());
    EXPECT_EQ(w.mentions, 2U);
    EXPECT_EQ(w.sentiment[0], 1U);
    EXPECT_EQ(w.sentiment[1], 0U);
    EXPECT_EQ(w.sentiment[2], 1U);
    EXPECT_EQ(w.reach, 201'000U);
    EXPECT_EQ(w.engagement, 12U);
    EXPECT_EQ(w.reposts, 1U);
    EXPECT_NEAR(w.score_sum, -0.2, 1e-6);
    EXPECT_EQ(w.platforms[static_cast<std::size_t>(platform::twitter)], 1U);
    EXPECT_EQ(w.platforms[static_cast<std::size_t>(platform::facebook)], 1U);
    ASSERT_EQ(w.languages.size(), 2U);
    EXPECT_EQ(w.authors.estimate(), 2U);
    EXPECT_EQ(w.hashtags.find("#acme")->count, 2U);
    EXPECT_EQ(w.terms.find("refund")->count, 2U);
    EXPECT_EQ(w.clusters.max_count(), 2U);
    ASSERT_EQ(w.top_authors.size(), 2U);
    EXPECT_EQ(w.top_authors[0].id, "2");
    ASSERT_EQ(w.negative_samples.size(), 1U);
    EXPECT_EQ(w.negative_samples[0].id, "1");
    EXPECT_TRUE(w.influencer_hits.empty()); // the influencer's mention is positive

    w.reset();
    EXPECT_EQ(w.mentions, 0U);
    EXPECT_TRUE(w.languages.empty());
    EXPECT_EQ(w.authors.estimate(), 0U);
    EXPECT_TRUE(w.hashtags.empty());
    EXPECT_TRUE(w.top_authors.empty());
    EXPECT_TRUE(w.samples.empty());
}

TEST(BrandWindow, AllScopeWritesTheSameRecordWithoutClustersOrEvidence) {
    const std::uint64_t seed =
        test::test_seed("BrandWindow.AllScopeWritesTheSameRecordWithoutClustersOrEvidence");
    std::mt19937_64 rng(seed);
    window_options opts;
    opts.sketch_capacity = 8; // evicting, so the sketches' order of operations matters too
    for (int iter = 0; iter < 20; ++iter) {
        std::vector<owned_mention> ms = random_mentions(rng, 1 + rng() % 400, 0);
        brand_window brand(opts);
        brand_window all(opts, window_scope::all);
        brand_window brand_b(opts);
        brand_window all_b(opts, window_scope::all);
        for (std::size_t i = 0; i < ms.size(); ++i) {
            const auto em = ms[i].view();
            (i % 3 == 0 ? brand_b : brand).add(em);
            (i % 3 == 0 ? all_b : all).add(em);
        }
        brand.merge(brand_b);
        all.merge(all_b);
        std::string a;
        std::string b;
        write_window_record(a, "x", 0, 60'000, brand);
        write_window_record(b, "x", 0, 60'000, all);
        ASSERT_EQ(a, b);
        EXPECT_EQ(all.authors.estimate(), brand.authors.estimate());
        ASSERT_EQ(all.terms.size(), brand.terms.size());
        for (std::size_t i = 0; i < all.terms.size(); ++i) {
            EXPECT_EQ(all.terms.items()[i].key, brand.terms.items()[i].key);
            EXPECT_EQ(all.terms.items()[i].count, brand.terms.items()[i].count);
            EXPECT_EQ(all.terms.items()[i].error, brand.terms.items()[i].error);
        }
        EXPECT_EQ(all.scope(), window_scope::all);
        EXPECT_TRUE(all.clusters.empty());
        EXPECT_TRUE(all.top_authors.empty() && all.samples.empty() &&
                    all.negative_samples.empty() && all.influencer_hits.empty());
        EXPECT_FALSE(brand.clusters.empty());
        EXPECT_FALSE(brand.samples.empty());
    }
}

TEST(BrandWindow, EvidenceIndependentOfOrderAndPartitioning) {
    const std::uint64_t seed =
        test::test_seed("BrandWindow.EvidenceIndependentOfOrderAndPartitioning");
    std::mt19937_64 rng(seed);
    window_options opts;
    for (int iter = 0; iter < 50; ++iter) {
        SCOPED_TRACE(test::cat("iteration ", iter));
        auto ms = random_mentions(rng, 1 + rng() % 400, 1'800'000'000'000);
        const expected_evidence want = reference_evidence(ms, opts.influencer_followers);

        brand_window in_order(opts);
        for (auto& m : ms) {
            in_order.add(m.view());
        }
        expect_evidence(in_order, want);

        std::shuffle(ms.begin(), ms.end(), rng);
        std::vector<brand_window> parts(4, brand_window(opts));
        for (auto& m : ms) {
            parts[rng() % 4].add(m.view());
        }
        std::vector<std::size_t> order = {0, 1, 2, 3};
        std::shuffle(order.begin(), order.end(), rng);
        brand_window merged(opts);
        for (const std::size_t p : order) {
            merged.merge(parts[p]);
        }
        expect_evidence(merged, want);
        EXPECT_EQ(merged.mentions, in_order.mentions);
    }
}

/// The same input through 1 partition or 4 (routed by id, as Kafka keys by mention id) gives
/// identical window records and evidence, whatever the order of merging.
TEST(BrandWindow, OnePartitionOrFourGiveIdenticalRecords) {
    const std::uint64_t seed =
        test::test_seed("BrandWindow.OnePartitionOrFourGiveIdenticalRecords");
    std::mt19937_64 rng(seed);
    window_options opts;
    opts.size = 60'000;
    opts.slide = 20'000;
    for (int iter = 0; iter < 10; ++iter) {
        auto ms = random_mentions(rng, 8000, 1'800'000'000'000);
        for (auto& m : ms) {
            m.created_at += static_cast<millis>(rng() % 120'000);
            m.brands.clear();
            for (std::uint32_t b = 0; b < 3; ++b) {
                if (rng() % 2) {
                    m.brands.push_back(b);
                }
            }
            m.author_id = test::cat("a", rng() % 50'000); // enough to go dense in `*`
        }
        auto run = [&](std::size_t partitions) {
            std::vector<std::unique_ptr<partition_windows>> shards;
            for (std::size_t p = 0; p < partitions; ++p) {
                shards.push_back(
                    std::make_unique<partition_windows>(opts, 3, static_cast<std::int32_t>(p)));
            }
            for (auto& m : ms) {
                auto em = m.view();
                EXPECT_EQ(shards[hash64(m.id) % partitions]->add(em, k_no_watermark),
                          fold_result::folded);
            }
            std::vector<window_partial> partials;
            for (auto& s : shards) {
                s->seal_all(partials);
            }
            std::shuffle(partials.begin(), partials.end(), rng);
            window_merger merger(opts);
            for (auto& p : partials) {
                merger.add(std::move(p));
            }
            std::vector<window_partial> done;
            merger.complete_all(done);
            std::string out;
            for (const auto& w : done) {
                write_window_record(out, "*", w.start, w.end, *w.all);
                out += '\n';
                out += dump(w.all->top_authors) + dump(w.all->samples) +
                       dump(w.all->negative_samples) + dump(w.all->influencer_hits) + "\n";
                for (const auto& [id, bw] : w.brands) {
                    write_window_record(out, std::to_string(id), w.start, w.end, *bw);
                    out += '\n';
                    out += dump(bw->top_authors) + dump(bw->samples) + dump(bw->negative_samples) +
                           dump(bw->influencer_hits) + "\n";
                }
            }
            return out;
        };
        const std::string one = run(1);
        EXPECT_FALSE(one.empty());
        EXPECT_EQ(one, run(4));
        EXPECT_EQ(one, run(3));
    }
}

} // namespace
} // namespace pulso
