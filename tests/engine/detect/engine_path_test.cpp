#include "detect_support.h"
#include "generated_input.h"
#include "pulso/config/config.h"
#include "pulso/pipeline/record_sink.h"
#include "pulso/pipeline/replay_engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pulso {
namespace {

using test::field;

/// Keeps the trend and alert records of a replay.
class record_capture final : public record_sink {
  public:
    void emit(record_kind kind, std::string_view key, std::string_view json) override {
        if (kind == record_kind::alert) {
            alerts.push_back({true, std::string(key), std::string(json)});
        } else if (kind == record_kind::trend) {
            trends.push_back({false, std::string(key), std::string(json)});
        } else if (kind == record_kind::window) {
            ++windows;
        }
    }
    std::vector<test::record> alerts;
    std::vector<test::record> trends;
    std::uint64_t windows = 0;
};

constexpr std::uint64_t k_seed = 42;
constexpr double k_rate = 10.0; // mentions per second: the brands see ~10–130 a minute
constexpr millis k_duration = 50 * test::k_minute;

/// Replays a generator scenario through the real engine path (parse, enrich, window, merge,
/// publish, detect). The generator writes its intended sentiment as an upstream score, so these
/// tests check detection against the scenario's ground truth, not the lexicon scorer's reading.
record_capture replay(std::string_view scenario, std::uint64_t seed = test::test_seed(k_seed)) {
    const test::generated_input in =
        test::generate_scenario(scenario, seed, k_rate, k_duration, true);
    const config cfg = load_config_text(in.brands_yaml, "generator brands");
    record_capture cap;
    replay_engine eng(cfg, cap, std::string(scenario));
    std::int64_t i = 0;
    for (const std::string& line : in.lines) {
        eng.feed(line, i++, false);
    }
    eng.finish();
    return cap;
}

std::vector<test::record> select(const std::vector<test::record>& rs, std::string_view rule,
                                 std::string_view status, std::string_view brand = {}) {
    std::vector<test::record> out;
    for (const auto& r : rs) {
        if (field(r.json, "rule") == rule && field(r.json, "status") == status &&
            (brand.empty() || r.key == brand)) {
            out.push_back(r);
        }
    }
    return out;
}

std::string minute(int m) {
    return format_rfc3339(test::k_t0 + m * test::k_minute);
}

TEST(DetectEnginePath, NegativeSpikeScenarioFiresAndResolves) {
    const record_capture cap = replay("negative_spike");
    ASSERT_GT(cap.windows, 0U);
    const auto fired = select(cap.alerts, "negative_spike", "firing", "acme");
    ASSERT_EQ(fired.size(), 1U);
    // The spike starts at minute 35: fired in that window or the next.
    const std::string start = field(fired[0].json, "window_start");
    EXPECT_TRUE(start == minute(35) || start == minute(36)) << start;
    const auto resolved = select(cap.alerts, "negative_spike", "resolved", "acme");
    ASSERT_EQ(resolved.size(), 1U);
    EXPECT_GE(field(resolved[0].json, "window_start"), minute(40));
    EXPECT_LE(field(resolved[0].json, "window_start"), minute(44));
    EXPECT_EQ(field(resolved[0].json, "id"), field(fired[0].json, "id"));
    for (const auto& a : cap.alerts) {
        EXPECT_EQ(a.key, "acme") << "no other brand alerts: " << a.json;
        EXPECT_NE(field(a.json, "rule"), "volume_spike") << a.json;
        EXPECT_NE(field(a.json, "rule"), "influencer") << a.json;
    }
}

TEST(DetectEnginePath, CampaignSurgeFiresVolumeSpikeNotNegativeSpike) {
    const record_capture cap = replay("campaign_surge");
    const auto fired = select(cap.alerts, "volume_spike", "firing", "cafe_andino");
    ASSERT_EQ(fired.size(), 1U);
    const std::string start = field(fired[0].json, "window_start");
    EXPECT_TRUE(start == minute(35) || start == minute(36)) << start;
    EXPECT_TRUE(select(cap.alerts, "negative_spike", "firing").empty());
    for (const auto& a : select(cap.alerts, "negative_share", "firing")) {
        ADD_FAILURE() << a.json;
    }
}

TEST(DetectEnginePath, InfluencerComplaintFires) {
    const record_capture cap = replay("influencer_complaint");
    const auto fired = select(cap.alerts, "influencer", "firing", "telco_sur");
    ASSERT_EQ(fired.size(), 1U);
    EXPECT_EQ(field(fired[0].json, "window_start"), minute(35));
    EXPECT_EQ(field(fired[0].json, "severity"), "critical");
    EXPECT_EQ(field(fired[0].json, "value"), "2000000");
    for (const auto& a : select(cap.alerts, "influencer", "firing")) {
        EXPECT_EQ(a.key, "telco_sur") << a.json;
    }
}

TEST(DetectEnginePath, TrendingHashtagIsRankOneOfScopeStarWithinTwoWindows) {
    const record_capture cap = replay("trending_hashtag");
    std::string first_rank1;
    for (const auto& t : cap.trends) {
        if (t.key == "*" && field(t.json, "kind") == "hashtag" && field(t.json, "rank") == "1" &&
            field(t.json, "item") == "#apagon") {
            first_rank1 = field(t.json, "window_start");
            break;
        }
    }
    ASSERT_FALSE(first_rank1.empty());
    EXPECT_TRUE(first_rank1 == minute(35) || first_rank1 == minute(36)) << first_rank1;
}

TEST(DetectEnginePath, SteadyScenarioRaisesNoCountAlerts) {
    const record_capture cap = replay("steady_drift");
    for (const auto& a : cap.alerts) {
        EXPECT_EQ(field(a.json, "rule"), "influencer") << a.json;
    }
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void check_golden(const std::string& name, const std::vector<test::record>& rs) {
    std::string got;
    for (const auto& r : rs) {
        got += r.json;
        got += '\n';
    }
    const std::string path = std::string(PULSO_SOURCE_DIR) + "/tests/data/detect/" + name;
    const char* update = std::getenv("PULSO_GOLDEN_UPDATE");
    if (update != nullptr && std::string_view(update) == "1") {
        std::ofstream(path, std::ios::binary) << got;
        std::printf("[ golden  ] rewrote %s\n", path.c_str());
        return;
    }
    const std::string want = slurp(path);
    ASSERT_FALSE(want.empty()) << path << " is missing (PULSO_GOLDEN_UPDATE=1 writes it)";
    EXPECT_EQ(got, want) << "golden mismatch in " << path
                         << " (review, then PULSO_GOLDEN_UPDATE=1 to rewrite)";
}

TEST(DetectEnginePath, GoldenAlertsAndTrends) {
    const record_capture cap = replay("negative_spike", 7);
    ASSERT_FALSE(cap.alerts.empty());
    ASSERT_FALSE(cap.trends.empty());
    check_golden("negative_spike_seed7.alerts.ndjson", cap.alerts);
    check_golden("negative_spike_seed7.trends.ndjson", cap.trends);
}

} // namespace
} // namespace pulso
