// The detection step per final window: every configured brand's baselines and four rules,
// plus trends for `*` and per brand, at 10,000 brands (most with a few mentions a minute, a
// few hashtags and terms each, as a merged window would hold them).

#include "pulso/detect/detector.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

namespace pulso {
namespace {

constexpr std::size_t k_brands = 10'000;
constexpr millis k_minute = 60'000;
constexpr millis k_t0 = 1'795'665'600'000; // 2026-11-26T04:00:00Z
constexpr std::size_t k_variants = 4;

class null_sink final : public detection_sink {
  public:
    void trend(std::string_view, std::string_view json) override {
        ++trends;
        bytes += json.size();
    }
    void alert(std::string_view, std::string_view json) override {
        ++alerts;
        bytes += json.size();
    }
    std::uint64_t trends = 0;
    std::uint64_t alerts = 0;
    std::uint64_t bytes = 0;
};

std::vector<brand_rule> rules() {
    std::vector<brand_rule> r(k_brands);
    for (std::size_t i = 0; i < k_brands; ++i) {
        r[i].name = "brand" + std::to_string(i);
        r[i].keywords = {r[i].name};
    }
    return r;
}

/// One merged window; `variant` shifts the counts a little so baselines see some variance.
/// `spike_brand` gets 10× its negatives.
window_partial make_window(const window_options& o, std::size_t variant,
                           std::size_t spike_brand = k_brands) {
    window_partial p;
    p.partition = -1;
    p.all = std::make_unique<brand_window>(o);
    for (std::size_t b = 0; b < k_brands; ++b) {
        auto bw = std::make_unique<brand_window>(o);
        const std::uint64_t base = 2 + (b % 50); // 2–51 mentions a minute
        const std::uint64_t m = base + (variant * 7 + b) % 5;
        std::uint64_t neg = m / 5 + variant % 2;
        if (b == spike_brand) {
            neg *= 10;
        }
        bw->mentions = m + (b == spike_brand ? neg : 0);
        bw->sentiment[static_cast<std::size_t>(sentiment_class::negative)] = neg;
        bw->reach = m * 900;
        for (std::uint64_t a = 0; a < bw->mentions; ++a) {
            bw->authors.add_hash(mix64((b << 32) + a + variant * 1000 + 1));
        }
        bw->clusters.add(b, 1);
        bw->hashtags.add("#brand" + std::to_string(b), m / 2 + 1);
        bw->hashtags.add("#tag" + std::to_string((b + variant) % 200), 2);
        bw->terms.add("price", m / 3 + 1);
        bw->terms.add("service", m / 4 + 1);
        bw->terms.add("word" + std::to_string((b * 7 + variant) % 500), 1);
        p.all->merge(*bw);
        p.brands.emplace_back(static_cast<std::uint32_t>(b), std::move(bw));
    }
    return p;
}

void BM_Detector_Window(benchmark::State& state) {
    static const brand_matcher matcher(rules());
    const window_options o;
    static std::vector<window_partial> windows = [&] {
        std::vector<window_partial> v;
        for (std::size_t i = 0; i < k_variants; ++i) {
            v.push_back(make_window(o, i));
        }
        return v;
    }();
    config::detect_t cfg;
    cfg.trends.brands = state.range(0) != 0;
    detector det(cfg, matcher, k_minute, k_minute);
    null_sink sink;
    std::int64_t w = 0;
    const auto feed = [&](window_partial& p) {
        p.start = k_t0 + w * k_minute;
        p.end = p.start + k_minute;
        det.on_window(p, sink);
        ++w;
    };
    // Check before timing: steady windows raise nothing; 10× negatives for one brand fire
    // negative_spike for that brand only.
    for (int i = 0; i < 40; ++i) {
        feed(windows[static_cast<std::size_t>(i) % k_variants]);
    }
    if (sink.alerts != 0) {
        state.SkipWithError("steady windows raised alerts");
        return;
    }
    window_partial spike = make_window(o, 0, 123);
    feed(spike);
    std::vector<firing_alert> firing;
    det.firing(firing);
    if (firing.size() != 1 || firing[0].brand != 123 ||
        firing[0].rule != alert_rule::negative_spike) {
        state.SkipWithError("the spike did not fire negative_spike for brand 123 alone");
        return;
    }
    for (auto _ : state) {
        feed(windows[static_cast<std::size_t>(w) % k_variants]);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(k_brands));
    state.counters["trends"] = benchmark::Counter(static_cast<double>(sink.trends));
    state.counters["alerts"] = benchmark::Counter(static_cast<double>(sink.alerts));
}
BENCHMARK(BM_Detector_Window)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("brand_trends")
    ->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace pulso

BENCHMARK_MAIN();
