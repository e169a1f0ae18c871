#pragma once

#include "pulso/core/hash.h"

#include <cmath>
#include <cstdint>

namespace pulso::gen {

/// xoshiro256** seeded by splitmix64. All draws are defined here from integer arithmetic (and
/// libm's log/sqrt/cos/exp, which glibc rounds correctly or nearly so), never from
/// std::*_distribution, whose output differs between standard libraries.
/// @thread owner
class rng {
  public:
    explicit rng(std::uint64_t seed) noexcept {
        std::uint64_t x = seed;
        for (auto& w : s_) {
            x += 0x9E3779B97F4A7C15ULL;
            w = mix64(x);
        }
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /// Uniform in [0, 1), 53 bits.
    double uniform() noexcept { return to_unit(next()); }

    /// Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-40 for our n).
    std::uint32_t below(std::uint32_t n) noexcept {
        return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
    }

    bool chance(double p) noexcept { return uniform() < p; }

    /// Exponential with the given mean.
    double exponential(double mean) noexcept { return -std::log1p(-uniform()) * mean; }

    /// Standard normal (Box–Muller, the spare kept for the next call).
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = 1.0 - uniform(); // (0, 1]
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double a = 6.283185307179586 * u2;
        spare_ = r * std::sin(a);
        has_spare_ = true;
        return r * std::cos(a);
    }

    static double to_unit(std::uint64_t x) noexcept {
        return static_cast<double>(x >> 11) * 0x1.0p-53;
    }

  private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    std::uint64_t s_[4]{};
    double spare_ = 0.0;
    bool has_spare_ = false;
};

/// Picks an index by integer weights (cumulative scan; tables are short).
template <typename Table> std::size_t pick_weighted(rng& r, const Table& weights, unsigned total) {
    unsigned x = r.below(total);
    std::size_t i = 0;
    for (; i + 1 < std::size(weights); ++i) {
        if (x < weights[i].weight) {
            return i;
        }
        x -= weights[i].weight;
    }
    return i;
}

} // namespace pulso::gen
