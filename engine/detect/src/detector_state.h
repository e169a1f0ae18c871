#pragma once

#include "pulso/detect/detector.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pulso {

/// Hour-of-week factors per signal.
inline constexpr std::size_t k_hours_per_week = 168;

/// The lifecycle of one brand's alert of one rule.
struct detector::rule_state {
    std::uint32_t streak = 0;     ///< consecutive windows the fire condition held (idle)
    std::uint32_t calm = 0;       ///< consecutive windows below the hold threshold (firing)
    std::uint32_t cooldown = 0;   ///< windows left during which the rule may not fire
    std::uint32_t firing_for = 0; ///< windows since the alert fired
    millis since = 0;             ///< window_start of the firing window (the episode id)
    bool firing = false;
    alert_severity severity = alert_severity::warning;
    /// The firing record of the episode while it fires (empty otherwise, and after a restore
    /// from a version 2 snapshot): re-announced to in-process sinks after a restart.
    std::string record;
};

struct detector::scope_trends {
    explicit scope_trends(std::int64_t start) : hashtags(start), terms(start) {}
    trend_tracker hashtags;
    trend_tracker terms;
};

struct detector::brand_state {
    count_baseline mentions;
    count_baseline negatives;
    share_baseline share;
    amount_baseline reach;
    std::uint32_t windows = 0; ///< windows of baseline so far (the warm-up counter)
    std::array<rule_state, k_alert_rule_count> rules{};
    /// Empty without seasonality; else 2 × 168 factors: mentions, then negatives.
    std::vector<float> seasonal;
    std::unique_ptr<scope_trends> trends; ///< created when the brand first has a window
};

/// What a rule concluded about one brand window.
struct detector::rule_eval {
    bool cond = false;     ///< the fire condition (gates, floor, authors, score, crowd)
    bool hold = false;     ///< still above the hysteresis threshold
    bool critical = false; ///< severity band, taken when the alert fires
    bool integral = true;  ///< value / observed are counts
    double value = 0.0;
    double baseline = 0.0;
    double score = 0.0;
    double factor = 0.0;
    double observed = 0.0;
    double expected = 0.0;
    double cluster_share = 0.0;
    double mentions = 0.0; ///< the window's mentions (summary of negative_share)
};

} // namespace pulso
