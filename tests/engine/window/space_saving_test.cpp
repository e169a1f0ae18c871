#include "pulso/window/space_saving.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace pulso {
namespace {

using ss_str = space_saving<std::string>;
using ss_u64 = space_saving<std::uint64_t>;

std::vector<std::pair<std::string, std::uint64_t>>
ref_top(const std::map<std::string, std::uint64_t>& counts, std::size_t n) {
    std::vector<std::pair<std::string, std::uint64_t>> v(counts.begin(), counts.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    v.resize(std::min(n, v.size()));
    return v;
}

/// Zipf-ish key index in [0, n): heavy head, long tail.
std::size_t zipf(std::mt19937_64& rng, std::size_t n) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double x = std::pow(static_cast<double>(n), u(rng));
    return std::min(n - 1, static_cast<std::size_t>(x) - 1);
}

template <class Key, class Ref>
void expect_guarantee(const space_saving<Key>& ss, const Ref& truth) {
    for (const auto& c : ss.items()) {
        const auto it = truth.find(c.key);
        const std::uint64_t t = it == truth.end() ? 0 : it->second;
        ASSERT_LE(c.count - c.error, t) << "lower bound broken";
        ASSERT_LE(t, c.count) << "upper bound broken";
    }
    for (const auto& [k, t] : truth) {
        if constexpr (std::is_same_v<Key, std::string>) {
            if (ss.find(k) == nullptr) {
                ASSERT_LE(t, ss.absent_bound()) << "absent key above the bound: " << k;
            }
        } else {
            if (ss.find(k) == nullptr) {
                ASSERT_LE(t, ss.absent_bound());
            }
        }
    }
}

TEST(SpaceSaving, ExactUnderCapacity) {
    const std::uint64_t seed = test::test_seed("SpaceSaving.ExactUnderCapacity");
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 50; ++iter) {
        const std::size_t k = 1 + rng() % 200;
        const std::size_t distinct = 1 + rng() % k;
        ss_str ss(k);
        std::map<std::string, std::uint64_t> truth;
        const std::size_t n = rng() % 3000;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string key = test::cat("#t", zipf(rng, distinct));
            const std::uint64_t c = 1 + rng() % 3;
            ss.add(key, c);
            truth[key] += c;
        }
        ASSERT_TRUE(ss.exact());
        ASSERT_EQ(ss.size(), truth.size());
        for (const auto& c : ss.items()) {
            ASSERT_EQ(c.count, truth[c.key]);
            ASSERT_EQ(c.error, 0U);
        }
        const auto top = ss.top(10);
        const auto want = ref_top(truth, 10);
        ASSERT_EQ(top.size(), want.size());
        for (std::size_t i = 0; i < top.size(); ++i) {
            EXPECT_EQ(top[i].key, want[i].first);
            EXPECT_EQ(top[i].count, want[i].second);
        }
        std::uint64_t mx = 0;
        for (const auto& [key, c] : truth) {
            mx = std::max(mx, c);
        }
        EXPECT_EQ(ss.max_count(), mx);
    }
}

TEST(SpaceSaving, GuaranteeAboveCapacity) {
    const std::uint64_t seed = test::test_seed("SpaceSaving.GuaranteeAboveCapacity");
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 20; ++iter) {
        const std::size_t k = 5 + rng() % 100;
        ss_str ss(k);
        std::map<std::string, std::uint64_t> truth;
        const std::size_t n = 20'000;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string key = test::cat("w", zipf(rng, 5000));
            ss.add(key);
            ++truth[key];
        }
        ASSERT_EQ(ss.size(), k);
        ASSERT_FALSE(ss.exact());
        expect_guarantee(ss, truth);
        // Every key above n/k is held (the classic heavy-hitter guarantee).
        for (const auto& [key, t] : truth) {
            if (t > n / k) {
                EXPECT_NE(ss.find(key), nullptr) << key << " count " << t;
            }
        }
    }
}

TEST(SpaceSaving, MergeOfExactSummariesIsExact) {
    const std::uint64_t seed = test::test_seed("SpaceSaving.MergeOfExactSummariesIsExact");
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 50; ++iter) {
        const std::size_t k = 10 + rng() % 200;
        const std::size_t distinct = 1 + rng() % k;
        std::vector<ss_str> parts(1 + rng() % 4, ss_str(k));
        std::map<std::string, std::uint64_t> truth;
        for (std::size_t i = 0, n = rng() % 4000; i < n; ++i) {
            const std::string key = test::cat("#h", rng() % distinct);
            parts[rng() % parts.size()].add(key);
            ++truth[key];
        }
        ss_str merged(k);
        for (const auto& p : parts) {
            merged.merge(p);
        }
        ASSERT_TRUE(merged.exact());
        ASSERT_EQ(merged.size(), truth.size());
        for (const auto& [key, t] : truth) {
            const auto* c = merged.find(key);
            ASSERT_NE(c, nullptr);
            EXPECT_EQ(c->count, t);
            EXPECT_EQ(c->error, 0U);
        }
        // The merged summary keeps working as a sketch.
        merged.add("#h0", 5);
        truth["#h0"] += 5;
        EXPECT_EQ(merged.find("#h0")->count, truth["#h0"]);
    }
}

TEST(SpaceSaving, MergeKeepsGuaranteeAboveCapacity) {
    const std::uint64_t seed = test::test_seed("SpaceSaving.MergeKeepsGuaranteeAboveCapacity");
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 20; ++iter) {
        const std::size_t k = 5 + rng() % 60;
        std::vector<ss_u64> parts(2 + rng() % 5, ss_u64(k));
        std::map<std::uint64_t, std::uint64_t> truth;
        for (std::size_t i = 0; i < 20'000; ++i) {
            const std::uint64_t key = zipf(rng, 3000);
            parts[rng() % parts.size()].add(key);
            ++truth[key];
        }
        // Merge as a tree with random shape, then add more after the merge.
        while (parts.size() > 1) {
            const std::size_t a = rng() % parts.size();
            std::size_t b = rng() % parts.size();
            if (a == b) {
                b = (a + 1) % parts.size();
            }
            parts[a].merge(parts[b]);
            parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(b));
        }
        for (std::size_t i = 0; i < 2000; ++i) {
            const std::uint64_t key = zipf(rng, 3000);
            parts[0].add(key);
            ++truth[key];
        }
        ASSERT_LE(parts[0].size(), k);
        expect_guarantee(parts[0], truth);
    }
}

TEST(SpaceSaving, TopOrdersByCountThenKey) {
    ss_str ss(10);
    ss.add("b", 3);
    ss.add("a", 3);
    ss.add("c", 5);
    ss.add("d", 1);
    const auto top = ss.top(3);
    ASSERT_EQ(top.size(), 3U);
    EXPECT_EQ(top[0].key, "c");
    EXPECT_EQ(top[1].key, "a");
    EXPECT_EQ(top[2].key, "b");
    std::vector<ss_str::entry_view> out;
    ss.top(10, out, [](std::string_view k) { return k != "c"; });
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[0].key, "a");
    EXPECT_EQ(ss.top(0).size(), 0U);
}

TEST(SpaceSaving, EvictionReplacesTheSmallest) {
    ss_str ss(2);
    ss.add("a", 5);
    ss.add("b", 2);
    ss.add("c"); // evicts b (2): c gets 3 with error 2
    ASSERT_EQ(ss.find("b"), nullptr);
    const auto* c = ss.find("c");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->count, 3U);
    EXPECT_EQ(c->error, 2U);
    EXPECT_EQ(ss.absent_bound(), 3U);
    EXPECT_EQ(ss.max_count(), 5U);
}

TEST(SpaceSaving, ResetKeepsCapacityAndAllocatesNothing) {
    ss_str ss(100);
    std::mt19937_64 rng(7);
    std::vector<std::string> keys;
    for (int i = 0; i < 300; ++i) {
        keys.push_back(test::cat("#tag-with-a-long-name-", i));
    }
    for (int round = 0; round < 3; ++round) {
        ss.reset();
        for (int i = 0; i < 5000; ++i) {
            ss.add(keys[rng() % 300]);
        }
    }
    ss.reset();
    EXPECT_EQ(ss.size(), 0U);
    EXPECT_EQ(ss.capacity(), 100U);
    EXPECT_TRUE(ss.exact());
    // Every dormant key buffer is already long enough: no allocation from here on.
    const std::size_t before = test::allocation_count();
    for (int i = 0; i < 5000; ++i) {
        ss.add(keys[rng() % 300]);
    }
    EXPECT_EQ(test::allocation_count(), before);
    EXPECT_EQ(ss.size(), 100U);
}

TEST(SpaceSaving, KeysEqualMatchesPlainComparison) {
    const std::uint64_t seed = test::test_seed("SpaceSaving.KeysEqualMatchesPlainComparison");
    std::mt19937_64 rng(seed);
    std::size_t equal = 0;
    for (int iter = 0; iter < 200'000; ++iter) {
        const std::size_t n = rng() % 41;
        std::string a(n, 'x');
        for (char& c : a) {
            c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 3);
        }
        std::string b = a;
        switch (rng() % 4) {
        case 0:
            break; // equal
        case 1:
            if (n > 0) {
                b[rng() % n] ^= static_cast<char>(1 << (rng() % 8)); // one bit anywhere
            }
            break;
        case 2:
            if (n > 0) {
                b[rng() % 2 == 0 ? 0 : n - 1] ^= 0x20; // first or last byte
            }
            break;
        default:
            b.resize(rng() % 41, 'a'); // another length
            break;
        }
        // Copies into exact-size heap blocks, so an overread would show under ASan.
        const std::unique_ptr<char[]> pa(new char[std::max<std::size_t>(a.size(), 1)]);
        const std::unique_ptr<char[]> pb(new char[std::max<std::size_t>(b.size(), 1)]);
        std::copy(a.begin(), a.end(), pa.get());
        std::copy(b.begin(), b.end(), pb.get());
        const std::string_view va(pa.get(), a.size());
        const std::string_view vb(pb.get(), b.size());
        const bool want = va == vb;
        ASSERT_EQ(detail::keys_equal(va, vb), want) << "'" << a << "' vs '" << b << "'";
        equal += want ? 1 : 0;
    }
    EXPECT_GT(equal, 1000U);
}

TEST(SpaceSaving, CountersAreLineAlignedWithoutAlignedNew) {
    ss_str ss(1000);
    const std::size_t before = test::aligned_allocation_count();
    for (int i = 0; i < 3000; ++i) {
        ss.add(test::cat("key", static_cast<std::uint64_t>(i)));
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(ss.items().data()) % 64, 0U) << i;
    }
    EXPECT_EQ(test::aligned_allocation_count(), before);
    ss_str other(1000);
    other.add("x");
    ss.merge(other); // moves counters around: still one line each
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ss.items().data()) % 64, 0U);
    EXPECT_EQ(test::aligned_allocation_count(), before);
}

} // namespace
} // namespace pulso
