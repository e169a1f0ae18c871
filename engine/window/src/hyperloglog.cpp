#include "pulso/window/hyperloglog.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace pulso {
namespace {

constexpr unsigned k_q = 64 - hyperloglog::k_precision; ///< bits left for the rank
static_assert(k_q + 2 <= 64, "estimate()'s lane histograms hold register values below 64");

/// Ertl 2017, sigma(x) = x + Σ_{k≥1} x^(2^k) 2^(k-1) (Algorithm 6).
double ertl_sigma(double x) noexcept {
    if (x == 1.0) {
        return std::numeric_limits<double>::infinity();
    }
    double y = 1.0;
    double z = x;
    double z_prev = 0.0;
    do {
        x *= x;
        z_prev = z;
        z += x * y;
        y += y;
    } while (z != z_prev);
    return z;
}

/// Ertl 2017, tau(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))^2 2^-k) / 3.
double ertl_tau(double x) noexcept {
    if (x == 0.0 || x == 1.0) {
        return 0.0;
    }
    double y = 1.0;
    double z = 1.0 - x;
    double z_prev = 0.0;
    do {
        x = std::sqrt(x);
        z_prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != z_prev);
    return z / 3.0;
}

} // namespace

std::uint8_t* hyperloglog::registers() noexcept {
    return reinterpret_cast<std::uint8_t*>(buf_.data());
}

const std::uint8_t* hyperloglog::registers() const noexcept {
    return reinterpret_cast<const std::uint8_t*>(buf_.data());
}

void hyperloglog::add_hash(std::uint64_t h) noexcept {
    if (h == 0) {
        h = 1; // 0 marks an empty sparse slot; mapped the same way in both representations
    }
    if (dense_) {
        dense_add(h);
    } else {
        sparse_insert(h);
    }
}

void hyperloglog::dense_add(std::uint64_t h) noexcept {
    const auto idx = static_cast<std::size_t>(h >> k_q);
    const std::uint64_t w = h << k_precision;
    const auto rank = static_cast<std::uint8_t>(
        std::min<unsigned>(static_cast<unsigned>(std::countl_zero(w)), k_q) + 1);
    std::uint8_t& r = registers()[idx];
    if (rank > r) {
        r = rank;
        estimate_valid_ = false;
    }
}

void hyperloglog::sparse_insert(std::uint64_t h) noexcept {
    if (buf_.empty()) {
        buf_.resize(16); // within capacity after reset(): no allocation
    }
    for (;;) {
        const std::size_t mask = buf_.size() - 1;
        std::size_t i = static_cast<std::size_t>(h) & mask;
        while (buf_[i] != 0) {
            if (buf_[i] == h) {
                return;
            }
            i = (i + 1) & mask;
        }
        if (count_ == k_sparse_limit) {
            to_dense();
            dense_add(h);
            return;
        }
        if ((count_ + 1) * 2 > buf_.size()) {
            sparse_grow();
            continue; // slot positions changed: probe again
        }
        buf_[i] = h;
        ++count_;
        return;
    }
}

void hyperloglog::sparse_grow() noexcept {
    std::array<std::uint64_t, k_sparse_limit> live; // 16 KiB of stack, once per doubling
    std::size_t n = 0;
    for (const std::uint64_t v : buf_) {
        if (v != 0) {
            live[n++] = v;
        }
    }
    const std::size_t slots = buf_.size() * 2;
    buf_.assign(slots, 0);
    const std::size_t mask = slots - 1;
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t i = static_cast<std::size_t>(live[k]) & mask;
        while (buf_[i] != 0) {
            i = (i + 1) & mask;
        }
        buf_[i] = live[k];
    }
}

void hyperloglog::to_dense() noexcept {
    std::array<std::uint64_t, k_sparse_limit> live;
    std::size_t n = 0;
    for (const std::uint64_t v : buf_) {
        if (v != 0) {
            live[n++] = v;
        }
    }
    buf_.assign(k_dense_words, 0);
    dense_ = true;
    estimate_valid_ = false;
    count_ = 0;
    for (std::size_t k = 0; k < n; ++k) {
        dense_add(live[k]);
    }
}

void hyperloglog::merge(const hyperloglog& other) noexcept {
    if (&other == this) {
        return;
    }
    if (other.dense_) {
        if (!dense_) {
            to_dense();
        }
        estimate_valid_ = false;
        std::uint8_t* dst = registers();
        const std::uint8_t* src = other.registers();
        for (std::size_t i = 0; i < k_registers; ++i) {
            dst[i] = std::max(dst[i], src[i]);
        }
        return;
    }
    for (const std::uint64_t v : other.buf_) {
        if (v != 0) {
            add_hash(v);
        }
    }
}

std::uint64_t hyperloglog::estimate() const noexcept {
    if (!dense_) {
        return count_;
    }
    if (estimate_valid_) {
        return estimate_;
    }
    // Four histograms, one per register lane: most registers hold the same few values, and
    // one histogram would make each increment wait for the previous one to the same counter.
    // Register values are at most k_q + 1 < 64.
    std::array<std::array<std::uint32_t, 64>, 4> lanes{};
    const std::uint8_t* r = registers();
    for (std::size_t i = 0; i < k_registers; i += 4) {
        ++lanes[0][r[i]];
        ++lanes[1][r[i + 1]];
        ++lanes[2][r[i + 2]];
        ++lanes[3][r[i + 3]];
    }
    std::array<std::uint32_t, k_q + 2> hist{};
    for (std::size_t v = 0; v < hist.size(); ++v) {
        hist[v] = lanes[0][v] + lanes[1][v] + lanes[2][v] + lanes[3][v];
    }
    const auto m = static_cast<double>(k_registers);
    double z = m * ertl_tau(1.0 - static_cast<double>(hist[k_q + 1]) / m);
    for (unsigned k = k_q; k >= 1; --k) {
        z += hist[k];
        z *= 0.5;
    }
    z += m * ertl_sigma(static_cast<double>(hist[0]) / m);
    const double alpha_inf = 1.0 / (2.0 * std::log(2.0));
    const double e = alpha_inf * m * m / z;
    estimate_ = static_cast<std::uint64_t>(std::llround(e));
    estimate_valid_ = true;
    return estimate_;
}

void hyperloglog::reset() noexcept {
    buf_.clear(); // keeps capacity: the next sparse phase reuses it
    count_ = 0;
    dense_ = false;
    estimate_valid_ = false;
}

} // namespace pulso
