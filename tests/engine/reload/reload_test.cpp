// Live reload of brand rules and detection settings (issue 5 item 3): ids stay stable by
// name, removed brands retire, new brands append, open window state survives.
#include "pulso/config/config.h"
#include "pulso/pipeline/mention_processor.h"
#include "pulso/pipeline/publisher.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "pulso/text/brand_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pulso {
namespace {

brand_rule rule(std::string name, std::vector<std::string> keywords) {
    brand_rule r;
    r.name = std::move(name);
    r.keywords = std::move(keywords);
    return r;
}

std::vector<std::string> names(const std::vector<brand_rule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules) {
        out.push_back(r.name + (r.retired ? "(retired)" : ""));
    }
    return out;
}

TEST(ReloadBrandIds, ExistingKeepTheirIdsRemovedRetireNewAppend) {
    const std::vector<brand_rule> current = {rule("acme", {"acme"}), rule("beta", {"beta"}),
                                             rule("gamma", {"gamma"})};
    const std::vector<brand_rule> next = {rule("delta", {"delta"}), rule("gamma", {"gamma2"}),
                                          rule("acme", {"acme", "acme corp"})};
    const auto merged = merge_brand_ids(current, next);
    EXPECT_EQ(names(merged), (std::vector<std::string>{"acme", "beta(retired)", "gamma", "delta"}));
    EXPECT_EQ(merged[0].keywords.size(), 2U);
    EXPECT_EQ(merged[2].keywords[0], "gamma2");
    // Merging again with the same rules changes nothing (a no-op reload).
    EXPECT_EQ(names(merge_brand_ids(merged, next)), names(merged));
}

TEST(ReloadBrandIds, RetiredBrandMatchesNothingButKeepsItsName) {
    const auto merged =
        merge_brand_ids({rule("acme", {"acme"}), rule("beta", {"beta"})}, {rule("acme", {"acme"})});
    const brand_matcher m(merged);
    ASSERT_EQ(m.brand_count(), 2U);
    EXPECT_EQ(m.brand_name(1), "beta");
    EXPECT_TRUE(m.retired(1));
    EXPECT_FALSE(m.retired(0));
    brand_matcher::scratch s(m);
    std::vector<std::uint32_t> out;
    m.match("acme and beta", s, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0}));
}

TEST(ReloadSettings, FixedSettingsAreReported) {
    const std::string base = "brands:\n  - name: a\n    keywords: [a]\n";
    const config a = load_config_text(base, "a");
    const config b = load_config_text(base + "detect: {min_windows: 5}\nhttp: {token: x}\n", "b");
    EXPECT_TRUE(changed_fixed_settings(a, b).empty()) << "detect.* and http.token reload";
    const config c = load_config_text(base + "windows: {size: 2m}\n", "c");
    EXPECT_EQ(changed_fixed_settings(a, c),
              (std::vector<std::string>{"windows.size", "windows.slide"}));
    const config d = load_config_text(base + "kafka: {\"fetch.wait.max.ms\": 5}\n", "d");
    EXPECT_EQ(changed_fixed_settings(a, d), (std::vector<std::string>{"kafka.*"}));
}

struct capture_sink final : record_sink {
    std::vector<std::string> windows;
    void emit(record_kind kind, std::string_view /*key*/, std::string_view json) override {
        if (kind == record_kind::window) {
            windows.emplace_back(json);
        }
    }
};

std::string mention_json(int i, const std::string& text) {
    return R"({"id":"m)" + std::to_string(i) +
           R"(","platform":"twitter","created_at":"2026-11-26T04:00:)" + (i < 10 ? "0" : "") +
           std::to_string(i) + R"(Z","text":")" + text + R"(","author":{"id":"u)" +
           std::to_string(i) + R"("},"sentiment":0.5})";
}

// A reload in the middle of a window: acme's counts from before and after add up in the same
// window, a brand added by the reload counts from then on, a removed brand stops counting.
TEST(ReloadPipeline, WindowStateSurvivesAndNewBrandsCount) {
    const std::vector<brand_rule> v1 = {rule("acme", {"acme"}), rule("beta", {"beta"})};
    auto m1 = std::make_unique<brand_matcher>(v1);
    window_options wo;
    processor_options po;
    mention_processor proc(po, *m1, lexicon_scorer::builtin());
    partition_windows windows(wo, static_cast<std::uint32_t>(m1->brand_count()));
    std::string dlq;
    const record_origin origin{"file", "t", 0, 0};
    int i = 0;
    auto feed = [&](const std::string& text) {
        const std::string rec = mention_json(i++, text);
        ASSERT_EQ(proc.process(rec, false, windows, k_no_watermark, 0, origin, dlq),
                  reject_reason::none);
    };
    feed("acme one");
    feed("beta one");
    feed("gamma one"); // no brand yet

    const auto v2 = merge_brand_ids(v1, {rule("acme", {"acme"}), rule("gamma", {"gamma"})});
    auto m2 = std::make_unique<brand_matcher>(v2);
    proc.set_matcher(*m2);
    windows.set_brand_count(static_cast<std::uint32_t>(m2->brand_count()));
    feed("acme two");
    feed("beta two"); // beta retired: counts only in *
    feed("gamma two");

    std::vector<window_partial> sealed;
    windows.seal_all(sealed);
    ASSERT_EQ(sealed.size(), 1U);
    capture_sink sink;
    publisher pub(*m1, sink);
    pub.set_matcher(*m2);
    pub.publish(sealed[0]);
    ASSERT_EQ(sink.windows.size(), 4U); // *, acme, beta (before reload), gamma
    EXPECT_NE(sink.windows[0].find(R"("brand":"*")"), std::string::npos);
    EXPECT_NE(sink.windows[0].find(R"("mentions":6)"), std::string::npos);
    EXPECT_NE(sink.windows[1].find(R"("brand":"acme")"), std::string::npos);
    EXPECT_NE(sink.windows[1].find(R"("mentions":2)"), std::string::npos) << sink.windows[1];
    EXPECT_NE(sink.windows[2].find(R"("brand":"beta")"), std::string::npos);
    EXPECT_NE(sink.windows[2].find(R"("mentions":1)"), std::string::npos) << sink.windows[2];
    EXPECT_NE(sink.windows[3].find(R"("brand":"gamma")"), std::string::npos);
    EXPECT_NE(sink.windows[3].find(R"("mentions":1)"), std::string::npos) << sink.windows[3];
    EXPECT_EQ(proc.stats().brand_mentions.size(), 3 * k_platform_count * 3);
}

} // namespace
} // namespace pulso
