#include "pulso/detect/baseline.h"

#include "pulso/core/time.h"

namespace pulso {

count_score count_baseline::observe(double x, double seasonal, const baseline_params& p) noexcept {
    count_score s;
    s.observed = x;
    s.expected = level * seasonal;
    const std::size_t slot = pushed % k_max_score_windows;
    ring_observed[slot] = static_cast<float>(x);
    ring_expected[slot] = static_cast<float>(s.expected);
    ++pushed;
    const std::uint32_t w =
        std::min<std::uint32_t>({p.score_windows, pushed, std::uint32_t{k_max_score_windows}});
    for (std::uint32_t i = 0; i < w; ++i) {
        const std::size_t j = (pushed - 1 - i) % k_max_score_windows;
        s.sum_observed += ring_observed[j];
        s.sum_expected += ring_expected[j];
    }
    // The current window counts exactly (the ring stores floats).
    s.sum_observed += x - static_cast<double>(ring_observed[slot]);
    const double var = std::max(dispersion, 1.0) + p.overdispersion * s.sum_expected;
    s.z = (anscombe(s.sum_observed) - anscombe(s.sum_expected)) / std::sqrt(var);
    return s;
}

void count_baseline::update(double x, double seasonal, const baseline_params& p,
                            bool clip) noexcept {
    seasonal = std::max(seasonal, 1e-3);
    const double expected = level * seasonal;
    double xc = x;
    // The first few windows have no level worth clipping against.
    if (clip && updates >= 3) {
        const double cap =
            expected +
            p.clip_sigma * std::sqrt(std::max(expected, 1.0) * std::max(dispersion, 1.0)) + 1.0;
        xc = std::min(x, cap);
    }
    // Running mean first (unbiased warm-up), then the EWMA's fixed weight.
    const double a = std::max(p.alpha, 1.0 / (static_cast<double>(updates) + 1.0));
    if (updates >= 3) {
        const double r = anscombe(xc) - anscombe(expected);
        dispersion += (a * 0.5) * (std::min(r * r, 9.0) - dispersion);
    }
    level += a * (xc / seasonal - level);
    level = std::max(level, 0.0);
    ++updates;
}

double share_baseline::z(double n, double m, double overdispersion) const noexcept {
    if (m <= 0.0) {
        return 0.0;
    }
    const double p = share();
    const double var = m * p * (1.0 - p) * (1.0 + overdispersion * m);
    return (n - m * p) / std::sqrt(var);
}

void share_baseline::update(double n, double m, double usual_mentions, const baseline_params& p,
                            bool clip) noexcept {
    if (clip && updates >= 3) {
        // A window weighs at most as much as a busy usual one: a campaign with 8× the
        // mentions must not pull the share down 8× as hard (and then make the usual share
        // look like a jump).
        const double cap_m =
            usual_mentions + p.clip_sigma * std::sqrt(std::max(usual_mentions, 1.0)) + 1.0;
        if (m > cap_m) {
            n *= cap_m / m;
            m = cap_m;
        }
        const double q = share();
        n = std::min(n, m * q + p.clip_sigma * std::sqrt(m * q * (1.0 - q)) + 1.0);
    }
    const double a = std::max(p.alpha, 1.0 / (static_cast<double>(updates) + 1.0));
    negatives += a * (n - negatives);
    mentions += a * (m - mentions);
    ++updates;
}

void amount_baseline::update(double x, double alpha) noexcept {
    if (updates >= 3 && level > 0.0) {
        x = std::min(x, 3.0 * level);
    }
    const double a = std::max(alpha, 1.0 / (static_cast<double>(updates) + 1.0));
    level += a * (x - level);
    ++updates;
}

int hour_of_week(std::int64_t epoch_ms) noexcept {
    // 1970-01-01 was a Thursday: hour 0 of the epoch is hour 72 of a Monday-based week.
    const std::int64_t h = floor_div(epoch_ms, 3'600'000) + 72;
    return static_cast<int>(((h % 168) + 168) % 168);
}

} // namespace pulso
