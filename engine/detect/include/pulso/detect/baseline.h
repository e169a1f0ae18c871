#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace pulso {

/// Anscombe's variance-stabilising transform of a count, 2·sqrt(x + 3/8): for a Poisson count
/// of mean λ (λ ≳ 1) it is close to normal with unit variance, so A(observed) − A(expected)
/// is a z-score that behaves for the small, bursty per-minute counts of most brands.
inline double anscombe(double x) noexcept {
    return 2.0 * std::sqrt(std::max(x, 0.0) + 0.375);
}

/// The knobs a count baseline needs (copied from config::detect_t by the detector).
struct baseline_params {
    double alpha = 0.05;             ///< EWMA weight of one window
    double clip_sigma = 3.0;         ///< updates clipped at expected + clip_sigma·sqrt(…) + 1
    double overdispersion = 0.005;   ///< k in sqrt(dispersion + k × expected sum)
    std::uint32_t score_windows = 2; ///< windows in the sliding sum (1..k_max_score_windows)
};

/// How one window's count compares with its baseline.
struct count_score {
    double observed = 0.0;     ///< this window's count
    double expected = 0.0;     ///< this window's expected count (level × seasonal factor)
    double sum_observed = 0.0; ///< over the last score_windows windows, this one included
    double sum_expected = 0.0;
    double z = 0.0; ///< (A(sum_observed) − A(sum_expected)) / sqrt(dispersion + k·sum_expected)

    /// observed / expected, with expected floored at 0.1 (a brand that is usually silent).
    [[nodiscard]] double factor() const noexcept { return observed / std::max(expected, 0.1); }
};

/// Baseline of one per-window count (mentions, negative mentions) of one brand: a robust
/// level (EWMA over winsorised values; the first windows use the running mean, so warm-up is
/// unbiased), a dispersion estimate (EWMA of squared Anscombe residuals, ≥ 1 when used) and
/// the last few observed/expected values for the sliding-sum score. Plain data so the
/// detector can snapshot it. ~90 bytes.
/// @thread publisher (owned by the detector)
struct count_baseline {
    static constexpr std::size_t k_max_score_windows = 8;

    double level = 0.0;        ///< de-seasonalised expected count per window
    double dispersion = 1.0;   ///< variance ratio in Anscombe space (1 = Poisson)
    std::uint32_t updates = 0; ///< level updates so far
    std::uint32_t pushed = 0;  ///< windows pushed into the ring so far
    std::array<float, k_max_score_windows> ring_observed{};
    std::array<float, k_max_score_windows> ring_expected{};

    /// Scores `x` against the current level times `seasonal` and pushes it into the sliding
    /// window (the level itself is not changed: see update()).
    count_score observe(double x, double seasonal, const baseline_params& p) noexcept;
    /// Folds `x` into the level. `clip`: winsorise at expected + clip_sigma·sqrt(expected ×
    /// dispersion) + 1, so a spike barely moves the level; false lets a lasting new level in.
    void update(double x, double seasonal, const baseline_params& p, bool clip) noexcept;
};

/// Baseline of a brand's share of negative mentions: the ratio of two EWMAs (negatives,
/// mentions) so windows weigh by their size and a quiet window does not swing the share.
/// @thread publisher
struct share_baseline {
    double negatives = 0.0;
    double mentions = 0.0;
    std::uint32_t updates = 0;

    /// Baseline share, with a weak prior of 0.2 for brands with almost no history, clamped
    /// to [0.005, 0.995].
    [[nodiscard]] double share() const noexcept {
        const double p = (negatives + 0.1) / (mentions + 0.5);
        return std::clamp(p, 0.005, 0.995);
    }
    /// Binomial z of `n` negatives out of `m` against share(), with overdispersion allowance.
    [[nodiscard]] double z(double n, double m, double overdispersion) const noexcept;
    /// Folds a window in. `clip`: a window's mentions count at most as much as a busy usual
    /// window (`usual_mentions` + clip_sigma·sqrt + 1, negatives scaled alike), and its
    /// negatives are clipped at m·p + clip_sigma·sqrt(m·p·(1−p)) + 1.
    void update(double n, double m, double usual_mentions, const baseline_params& p,
                bool clip) noexcept;
};

/// Robust level of a heavy-tailed per-window amount (reach): EWMA, updates clipped at 3×.
/// @thread publisher
struct amount_baseline {
    double level = 0.0;
    std::uint32_t updates = 0;
    void update(double x, double alpha) noexcept;
};

/// Hour of the week (0 = Monday 00:00–01:00 UTC) of an epoch-ms time.
int hour_of_week(std::int64_t epoch_ms) noexcept;

} // namespace pulso
