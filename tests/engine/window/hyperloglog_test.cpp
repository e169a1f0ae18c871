#include "pulso/window/hyperloglog.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace pulso {
namespace {

std::uint64_t allowed_error(std::uint64_t exact) {
    return std::max<std::uint64_t>(2, exact / 50); // max(2, 2 %), floor: the strict reading
}

std::uint64_t abs_diff(std::uint64_t a, std::uint64_t b) {
    return a > b ? a - b : b - a;
}

/// The dense estimate the plain way, from hashes alone: registers rebuilt here (index = top
/// 16 bits, rank = leading zeros of the rest + 1, capped), one histogram, Ertl's estimator as
/// the paper writes it. The sketch's lane histograms and its cached value must give exactly
/// this number.
std::uint64_t plain_dense_estimate(const std::vector<std::uint64_t>& hashes) {
    constexpr unsigned p = hyperloglog::k_precision;
    constexpr unsigned q = 64 - p;
    std::vector<std::uint8_t> reg(hyperloglog::k_registers, 0);
    for (std::uint64_t h : hashes) {
        h = h == 0 ? 1 : h;
        const std::uint64_t w = h << p;
        const unsigned zeros = w == 0 ? 64U : static_cast<unsigned>(__builtin_clzll(w));
        const auto rank = static_cast<std::uint8_t>(std::min(zeros, q) + 1);
        reg[h >> q] = std::max(reg[h >> q], rank);
    }
    std::vector<std::uint32_t> hist(q + 2, 0);
    for (const std::uint8_t r : reg) {
        ++hist[r];
    }
    const auto sigma = [](double x) {
        if (x == 1.0) {
            return std::numeric_limits<double>::infinity();
        }
        double y = 1.0, z = x, z_prev = 0.0;
        do {
            x *= x;
            z_prev = z;
            z += x * y;
            y += y;
        } while (z != z_prev);
        return z;
    };
    const auto tau = [](double x) {
        if (x == 0.0 || x == 1.0) {
            return 0.0;
        }
        double y = 1.0, z = 1.0 - x, z_prev = 0.0;
        do {
            x = std::sqrt(x);
            z_prev = z;
            y *= 0.5;
            z -= (1.0 - x) * (1.0 - x) * y;
        } while (z != z_prev);
        return z / 3.0;
    };
    const auto m = static_cast<double>(hyperloglog::k_registers);
    double z = m * tau(1.0 - static_cast<double>(hist[q + 1]) / m);
    for (unsigned k = q; k >= 1; --k) {
        z += hist[k];
        z *= 0.5;
    }
    z += m * sigma(static_cast<double>(hist[0]) / m);
    return static_cast<std::uint64_t>(std::llround(1.0 / (2.0 * std::log(2.0)) * m * m / z));
}

TEST(HyperLogLog, CachedEstimateMatchesPlainEstimatorAfterEveryChange) {
    const std::uint64_t seed =
        test::test_seed("HyperLogLog.CachedEstimateMatchesPlainEstimatorAfterEveryChange");
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(test::cat("round ", static_cast<std::uint64_t>(round)));
        hyperloglog h;
        hyperloglog other;
        std::vector<std::uint64_t> hashes;
        std::vector<std::uint64_t> other_hashes;
        // Small batches, so some leave every register as it was (the cached value must stay)
        // and some change one (it must not).
        std::size_t checks = 0;
        while (hashes.size() < 60'000) {
            const std::size_t batch = rng() % 3 == 0 ? rng() % 4 : rng() % 5000;
            for (std::size_t i = 0; i < batch; ++i) {
                // A small pool now and then: repeats leave registers unchanged.
                const std::uint64_t x = rng() % 4 == 0 ? mix64(rng() % 100) : rng();
                h.add_hash(x);
                hashes.push_back(x);
            }
            if (rng() % 8 == 0) {
                for (std::size_t i = rng() % 3000; i > 0; --i) {
                    const std::uint64_t x = rng();
                    other.add_hash(x);
                    other_hashes.push_back(x);
                }
                h.merge(other);
                hashes.insert(hashes.end(), other_hashes.begin(), other_hashes.end());
            }
            if (!h.is_dense()) {
                continue;
            }
            ASSERT_EQ(h.estimate(), plain_dense_estimate(hashes)) << hashes.size() << " adds";
            ASSERT_EQ(h.estimate(), plain_dense_estimate(hashes)); // the cached value
            ++checks;
        }
        EXPECT_GT(checks, 5U);
        h.reset();
        EXPECT_EQ(h.estimate(), 0U);
        for (std::uint64_t i = 1; i <= 5000; ++i) {
            h.add_hash(mix64(i));
        }
        std::vector<std::uint64_t> again;
        for (std::uint64_t i = 1; i <= 5000; ++i) {
            again.push_back(mix64(i));
        }
        ASSERT_TRUE(h.is_dense());
        EXPECT_EQ(h.estimate(), plain_dense_estimate(again)) << "after reset";
    }
}

TEST(HyperLogLog, SparseIsExactUpToLimit) {
    hyperloglog h;
    EXPECT_EQ(h.estimate(), 0U);
    for (std::uint64_t i = 1; i <= hyperloglog::k_sparse_limit; ++i) {
        const std::string a = test::cat("author-", i);
        h.add(a);
        h.add(a); // duplicates do not count
        ASSERT_EQ(h.estimate(), i);
    }
    EXPECT_FALSE(h.is_dense());
    h.add("one more");
    EXPECT_TRUE(h.is_dense());
    EXPECT_LE(abs_diff(h.estimate(), hyperloglog::k_sparse_limit + 1),
              allowed_error(hyperloglog::k_sparse_limit + 1));
}

TEST(HyperLogLog, ErrorWithinBoundUpToOneMillion) {
    const std::uint64_t base = test::test_seed("HyperLogLog.ErrorWithinBoundUpToOneMillion");
    constexpr std::uint64_t k_max = 1'000'000;
    double worst = 0.0;
    std::uint64_t worst_n = 0;
    for (std::uint64_t s = 0; s < 4; ++s) {
        const std::uint64_t seed = base + s;
        SCOPED_TRACE(test::cat("seed ", seed));
        hyperloglog h;
        std::uint64_t next_check = 1;
        std::string key;
        for (std::uint64_t n = 1; n <= k_max; ++n) {
            key.clear();
            key += std::to_string(seed);
            key += ':';
            key += std::to_string(n);
            h.add(key);
            if (n == next_check || n == k_max) {
                const std::uint64_t e = h.estimate();
                ASSERT_LE(abs_diff(e, n), allowed_error(n)) << "n=" << n << " estimate=" << e;
                const double rel = static_cast<double>(abs_diff(e, n)) / static_cast<double>(n);
                if (n > 100 && rel > worst) {
                    worst = rel;
                    worst_n = n;
                }
                // Every n while sparse and around the switch, then every ~0.5 %.
                next_check = n < 5000 ? n + 1 : n + n / 200;
            }
        }
    }
    std::cout << "[ hll      ] worst relative error " << worst * 100 << " % at n=" << worst_n
              << "\n";
}

TEST(HyperLogLog, MergeEqualsSingleSketchOfUnion) {
    const std::uint64_t seed = test::test_seed("HyperLogLog.MergeEqualsSingleSketchOfUnion");
    std::mt19937_64 rng(seed);
    for (const std::uint64_t n : {10ULL, 1500ULL, 3000ULL, 5000ULL, 200'000ULL}) {
        SCOPED_TRACE(test::cat("n=", n));
        hyperloglog whole;
        std::vector<hyperloglog> parts(4);
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t h = rng();
            whole.add_hash(h);
            // Skewed split: part 0 gets most, so sparse and dense parts meet in merges.
            const std::size_t p = (rng() % 10 < 7) ? 0 : 1 + rng() % 3;
            parts[p].add_hash(h);
            if (rng() % 4 == 0) {
                parts[(p + 1) % 4].add_hash(h); // overlap between parts
            }
        }
        std::vector<std::size_t> order = {0, 1, 2, 3};
        for (int round = 0; round < 3; ++round) {
            std::shuffle(order.begin(), order.end(), rng);
            hyperloglog merged;
            for (const std::size_t p : order) {
                merged.merge(parts[p]);
            }
            EXPECT_EQ(merged.estimate(), whole.estimate());
            EXPECT_EQ(merged.is_dense(), whole.is_dense());
        }
        // Merging a dense sketch into a sparse one and vice versa.
        hyperloglog a = parts[1];
        a.merge(parts[0]);
        hyperloglog b = parts[0];
        b.merge(parts[1]);
        EXPECT_EQ(a.estimate(), b.estimate());
    }
}

TEST(HyperLogLog, ResetKeepsBufferAndAllocatesNothing) {
    hyperloglog h;
    for (std::uint64_t i = 1; i <= 100'000; ++i) {
        h.add_hash(mix64(i));
    }
    ASSERT_TRUE(h.is_dense());
    EXPECT_LE(h.memory_bytes(), std::size_t{64} * 1024);
    const std::size_t bytes = h.memory_bytes();
    h.reset();
    EXPECT_EQ(h.estimate(), 0U);
    EXPECT_FALSE(h.is_dense());
    const std::size_t before = test::allocation_count();
    for (std::uint64_t i = 1; i <= 100'000; ++i) {
        h.add_hash(mix64(i + 7'000'000));
    }
    EXPECT_EQ(test::allocation_count(), before);
    EXPECT_EQ(h.memory_bytes(), bytes);
    EXPECT_LE(abs_diff(h.estimate(), 100'000), allowed_error(100'000));
}

TEST(HyperLogLog, ZeroHashIsCounted) {
    hyperloglog h;
    h.add_hash(0);
    h.add_hash(0);
    EXPECT_EQ(h.estimate(), 1U);
}

} // namespace
} // namespace pulso
