#include "chromium_cdp.h"
#include "http_client.h"
#include "pulso/core/json_writer.h"
#include "pulso/http/history.h"
#include "pulso/http/http_server.h"
#include "pulso/http/http_util.h"
#include "pulso/http/metrics.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace pulso::http {
namespace {

using namespace std::chrono_literals;
using test::connect_to;
using test::read_for;
using test::read_reply;
using test::request;
using test::send_all;

constexpr millis k_t0 = 1'795'000'000'000; // 2026-11-18, a whole minute
constexpr millis k_minute = 60'000;

// ---------------------------------------------------------------- record builders (CONTRACT §5)

std::string window_record(std::string_view brand, millis start, std::uint64_t pos,
                          std::uint64_t neu, std::uint64_t neg) {
    std::string out;
    json_writer j(out);
    j.begin_object();
    j.key("brand").value(brand);
    j.key("window_start").value(format_rfc3339(start));
    j.key("window_end").value(format_rfc3339(start + k_minute));
    j.key("mentions").value(pos + neu + neg);
    j.key("sentiment").begin_object();
    j.key("positive").value(pos).key("neutral").value(neu).key("negative").value(neg);
    j.end_object();
    j.key("reach").value(std::uint64_t{845000}).key("engagement").value(std::uint64_t{3120});
    j.key("reposts").value(12).key("unique_authors").value(97);
    j.key("platforms").begin_object().key("twitter").value(pos + neu + neg).end_object();
    j.key("languages").begin_object().key("es").value(pos + neu + neg).end_object();
    j.key("top_hashtags").begin_array();
    j.begin_object().key("tag").value("#acme").key("count").value(3).end_object();
    j.end_array();
    j.key("top_terms").begin_array().end_array();
    j.end_object();
    return out;
}

std::string trend_record(std::string_view scope, millis start, std::string_view item, int rank,
                         double score) {
    std::string out;
    json_writer j(out);
    j.begin_object();
    j.key("window_start").value(format_rfc3339(start));
    j.key("window_end").value(format_rfc3339(start + k_minute));
    j.key("scope").value(scope).key("kind").value("hashtag").key("item").value(item);
    j.key("count").value(240).key("baseline").value(1.3).key("score").value(score);
    j.key("rank").value(rank);
    j.end_object();
    return out;
}

std::string alert_record(std::string_view id, std::string_view status, std::string_view brand,
                         millis start, std::string_view rule = "negative_spike",
                         std::string_view severity = "critical") {
    std::string out;
    json_writer j(out);
    j.begin_object();
    j.key("id").value(id).key("status").value(status).key("rule").value(rule);
    j.key("severity").value(severity).key("brand").value(brand);
    j.key("window_start").value(format_rfc3339(start));
    j.key("window_end").value(format_rfc3339(start + k_minute));
    j.key("value").value(400).key("baseline").value(38.5).key("score").value(9.1);
    j.key("summary").value(std::string(brand) +
                           ": 400 negative mentions in 1m, 10.4x the usual 38.5");
    j.key("evidence").begin_object();
    j.key("top_terms").begin_array();
    j.begin_object().key("term").value("refund").key("count").value(21).end_object();
    j.end_array();
    j.key("top_hashtags").begin_array();
    j.begin_object().key("tag").value("#acmefail").key("count").value(17).end_object();
    j.end_array();
    j.key("top_authors").begin_array();
    j.begin_object().key("author").value("@angry").key("followers").value(250000).end_object();
    j.end_array();
    j.key("sample_ids").begin_array().value("tw-991").value("tw-992").end_array();
    j.end_object();
    j.end_object();
    return out;
}

/// Parses a JSON array body; fails the test when it is not one.
std::size_t array_size(const std::string& body) {
    simdjson::dom::parser p;
    simdjson::dom::array arr;
    const auto err = p.parse(body).get_array().get(arr);
    EXPECT_EQ(err, simdjson::SUCCESS) << body.substr(0, 200);
    return err == simdjson::SUCCESS ? arr.size() : 0;
}

bool is_json_object(const std::string& body) {
    simdjson::dom::parser p;
    simdjson::dom::object obj;
    return p.parse(body).get_object().get(obj) == simdjson::SUCCESS;
}

/// Counts records per kind, as a sink the history forwards to.
class counting_sink final : public record_sink {
  public:
    void emit(record_kind kind, std::string_view, std::string_view) override {
        ++counts[static_cast<std::size_t>(kind)];
    }
    std::array<int, 4> counts{};
};

// ---------------------------------------------------------------- utilities

TEST(HttpUtil, ParsesListenAddress) {
    auto a = parse_listen_address("127.0.0.1:8080");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 8080);
    a = parse_listen_address("[::1]:0");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->port, 0);
    a = parse_listen_address(":9000");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_FALSE(parse_listen_address("localhost"));
    EXPECT_FALSE(parse_listen_address("localhost:"));
    EXPECT_FALSE(parse_listen_address("localhost:65536"));
    EXPECT_FALSE(parse_listen_address("localhost:80x"));
    EXPECT_FALSE(parse_listen_address("::1:80"));
}

TEST(HttpUtil, SplitsTargetAndDecodesQuery) {
    std::string path;
    std::vector<std::pair<std::string, std::string>> q;
    split_target("/api/v1/windows?brand=acme%20corp&since=2026-11-26T04%3A00%3A00Z&x&bad=%zz", path,
                 q);
    EXPECT_EQ(path, "/api/v1/windows");
    ASSERT_EQ(q.size(), 4U);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"brand", "acme corp"}));
    EXPECT_EQ(q[1].second, "2026-11-26T04:00:00Z");
    EXPECT_EQ(q[2].first, "x");
    EXPECT_EQ(q[3].second, "%zz");
    split_target("/metrics", path, q);
    EXPECT_EQ(path, "/metrics");
    EXPECT_TRUE(q.empty());
}

TEST(HttpUtil, ParsesTimeParams) {
    EXPECT_EQ(parse_time_param("1795000000000"), 1795000000000);
    EXPECT_EQ(parse_time_param("2026-11-26T04:00:00Z"), 1795665600000);
    EXPECT_EQ(parse_time_param("2026-11-26T05:00:00+01:00"), 1795665600000);
    EXPECT_FALSE(parse_time_param(""));
    EXPECT_FALSE(parse_time_param("yesterday"));
    EXPECT_FALSE(parse_time_param("12a"));
}

TEST(HttpUtil, ComparesTokensWhole) {
    EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
    EXPECT_FALSE(constant_time_equal("s3cret", "s3cre"));
    EXPECT_FALSE(constant_time_equal("s3cret", "s3cret!"));
    EXPECT_FALSE(constant_time_equal("s3cret", "S3cret"));
    EXPECT_FALSE(constant_time_equal("s3cret", ""));
    EXPECT_FALSE(constant_time_equal("", ""));
    EXPECT_FALSE(constant_time_equal("abc", "abcabc")); // the wrap-around must not match
}

TEST(HttpUtil, ExtractsBearerToken) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
    EXPECT_FALSE(bearer_token("Basic abc"));
    EXPECT_FALSE(bearer_token("Bearer"));
    EXPECT_FALSE(bearer_token("Bearer "));
    EXPECT_FALSE(bearer_token("Bearerabc"));
}

// ---------------------------------------------------------------- history

TEST(HttpHistory, ForwardsEveryRecordAndStoresAllButDeadLetters) {
    counting_sink inner;
    history h({}, &inner);
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 2, 3));
    h.emit(record_kind::trend, "*", trend_record("*", k_t0, "#x", 1, 5));
    h.emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0));
    h.emit(record_kind::dead_letter, "", R"({"reason":"invalid_json"})");
    h.emit(record_kind::window, "acme", "{not json");
    EXPECT_EQ(inner.counts, (std::array<int, 4>{2, 1, 1, 1}));
    const auto s = h.stats();
    EXPECT_EQ(s.records, 3U);
    EXPECT_EQ(s.parse_errors, 1U);
    EXPECT_EQ(s.firing, 1U);
}

TEST(HttpHistory, FiltersWindowsByBrandAndTime) {
    history h;
    for (int i = 0; i < 5; ++i) {
        h.emit(record_kind::window, "*", window_record("*", k_t0 + i * k_minute, 2, 2, 2));
        h.emit(record_kind::window, "acme", window_record("acme", k_t0 + i * k_minute, 1, 1, 1));
    }
    EXPECT_EQ(array_size(h.windows_json("", INT64_MIN, INT64_MAX, 1000)), 10U);
    EXPECT_EQ(array_size(h.windows_json("acme", INT64_MIN, INT64_MAX, 1000)), 5U);
    EXPECT_EQ(array_size(h.windows_json("acme", k_t0 + k_minute, k_t0 + 3 * k_minute, 1000)), 2U);
    EXPECT_EQ(array_size(h.windows_json("nobody", INT64_MIN, INT64_MAX, 1000)), 0U);
    // limit keeps the newest, in time order
    const std::string two = h.windows_json("acme", INT64_MIN, INT64_MAX, 2);
    EXPECT_EQ(array_size(two), 2U);
    EXPECT_NE(two.find(format_rfc3339(k_t0 + 3 * k_minute)), std::string::npos);
    EXPECT_LT(two.find(format_rfc3339(k_t0 + 3 * k_minute)),
              two.find(format_rfc3339(k_t0 + 4 * k_minute)));
}

TEST(HttpHistory, KeepsOnlyTheRetentionByEventTime) {
    history_options o;
    o.retention = 10 * k_minute;
    history h(o);
    for (int i = 0; i < 30; ++i) {
        h.emit(record_kind::window, "acme", window_record("acme", k_t0 + i * k_minute, 1, 1, 1));
    }
    // newest end is t0+30m: windows ending at or after t0+20m stay (starts 19..29)
    EXPECT_EQ(array_size(h.windows_json("", INT64_MIN, INT64_MAX, 1000)), 11U);
    EXPECT_EQ(h.stats().evicted, 19U);
}

TEST(HttpHistory, EnforcesTheByteCap) {
    history_options o;
    o.max_bytes = 16 * 1024;
    history h(o);
    for (int i = 0; i < 500; ++i) {
        h.emit(record_kind::window, "acme", window_record("acme", k_t0 + i * k_minute, 1, 1, 1));
        ASSERT_LE(h.stats().bytes, o.max_bytes);
    }
    const auto s = h.stats();
    EXPECT_GT(s.records, 10U);
    EXPECT_LT(s.records, 500U);
    // the newest survive
    EXPECT_NE(
        h.windows_json("", INT64_MIN, INT64_MAX, 1).find(format_rfc3339(k_t0 + 499 * k_minute)),
        std::string::npos);
}

TEST(HttpHistory, FiringAlertsAreThoseWhoseLatestRecordFires) {
    history h;
    h.emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0));
    h.emit(record_kind::alert, "globex", alert_record("g1", "firing", "globex", k_t0));
    h.emit(record_kind::alert, "acme", alert_record("a1", "resolved", "acme", k_t0 + k_minute));
    const std::string firing = h.alerts_json(true);
    EXPECT_EQ(array_size(firing), 1U);
    EXPECT_NE(firing.find("\"g1\""), std::string::npos);
    EXPECT_EQ(array_size(h.alerts_json(false)), 3U);
    h.emit(record_kind::alert, "acme", alert_record("a2", "firing", "acme", k_t0 + 5 * k_minute));
    EXPECT_EQ(array_size(h.alerts_json(true)), 2U);
}

TEST(HttpHistory, RestoredFiringAlertsAreListedNotForwardedNorCounted) {
    counting_sink inner;
    metrics m("0.1.0");
    history h({}, &inner, &m);
    EXPECT_TRUE(h.restore_firing(alert_record("a1", "firing", "acme", k_t0)));
    EXPECT_FALSE(h.restore_firing(alert_record("a2", "resolved", "acme", k_t0)));
    EXPECT_FALSE(h.restore_firing("{not json"));
    EXPECT_EQ(inner.counts, (std::array<int, 4>{0, 0, 0, 0})) << "published before the restart";
    EXPECT_EQ(array_size(h.alerts_json(true)), 1U);
    EXPECT_EQ(array_size(h.alerts_json(false)), 0U) << "not a new record of the history";
    EXPECT_EQ(h.stats().parse_errors, 2U);
    std::string text = m.serialize();
    EXPECT_NE(
        text.find(
            R"(pulso_alerts_firing{brand="acme",rule="negative_spike",severity="critical"} 1)"),
        std::string::npos);
    EXPECT_EQ(text.find(R"(pulso_alerts_total{rule="negative_spike",severity="critical"} 1)"),
              std::string::npos)
        << "a restored alert is not a new one";
    // Its resolution, later, finds it.
    h.emit(record_kind::alert, "acme", alert_record("a1", "resolved", "acme", k_t0 + k_minute));
    EXPECT_EQ(array_size(h.alerts_json(true)), 0U);
    text = m.serialize();
    EXPECT_NE(
        text.find(
            R"(pulso_alerts_firing{brand="acme",rule="negative_spike",severity="critical"} 0)"),
        std::string::npos);
}

TEST(HttpHistory, ServesTheLatestWindowsTrendsByDefault) {
    history h;
    h.emit(record_kind::trend, "*", trend_record("*", k_t0, "#old", 1, 3));
    h.emit(record_kind::trend, "*", trend_record("*", k_t0 + k_minute, "#new", 1, 9));
    h.emit(record_kind::trend, "acme", trend_record("acme", k_t0 + k_minute, "#newer", 1, 4));
    const std::string latest = h.trends_json(std::nullopt);
    EXPECT_EQ(array_size(latest), 2U);
    EXPECT_EQ(latest.find("#old"), std::string::npos);
    EXPECT_EQ(array_size(h.trends_json(k_t0)), 3U);
}

TEST(HttpHistory, ListsBrandsWithTheirLatestWindow) {
    history h;
    h.emit(record_kind::window, "*", window_record("*", k_t0, 1, 1, 1));
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 1, 1));
    h.emit(record_kind::window, "acme", window_record("acme", k_t0 + k_minute, 5, 5, 5));
    const std::string seen = h.brands_json({});
    EXPECT_EQ(array_size(seen), 1U);
    EXPECT_NE(seen.find("\"mentions\":15"), std::string::npos);
    const std::string configured = h.brands_json({"acme", "globex"});
    EXPECT_EQ(array_size(configured), 2U);
    EXPECT_NE(configured.find(R"({"brand":"globex","latest_window":null})"), std::string::npos);
}

TEST(HttpHistory, SubscriptionOverflowsInsteadOfGrowing) {
    history_options o;
    o.subscriber_queue_bytes = 8 * 1024;
    history h(o);
    auto sub = h.subscribe();
    int wakeups = 0;
    sub->set_notify([&] { ++wakeups; });
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 1, 1));
    EXPECT_EQ(wakeups, 1);
    std::string got;
    EXPECT_TRUE(sub->take(got));
    EXPECT_EQ(got.rfind("event: window\ndata: {", 0), 0U);
    EXPECT_EQ(got.substr(got.size() - 2), "\n\n");
    for (int i = 0; i < 200; ++i) {
        h.emit(record_kind::window, "acme", window_record("acme", k_t0 + i * k_minute, 1, 1, 1));
    }
    EXPECT_TRUE(sub->overflowed());
    EXPECT_LE(sub->high_water_bytes(), o.subscriber_queue_bytes);
    EXPECT_EQ(sub->queued_bytes(), 0U);
    EXPECT_EQ(h.stats().subscribers_overflowed, 1U);
    std::string rest;
    EXPECT_FALSE(sub->take(rest));
    sub.reset();
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 1, 1));
    EXPECT_EQ(h.stats().subscribers, 0U);
}

// ---------------------------------------------------------------- metrics

const std::vector<std::string> k_contract_metrics = {"pulso_mentions_ingested_total",
                                                     "pulso_mentions_rejected_total",
                                                     "pulso_mentions_duplicate_total",
                                                     "pulso_mentions_late_total",
                                                     "pulso_brand_mentions_total",
                                                     "pulso_brand_window_mentions",
                                                     "pulso_brand_negative_share",
                                                     "pulso_alerts_firing",
                                                     "pulso_alerts_total",
                                                     "pulso_kafka_consumer_lag",
                                                     "pulso_watermark_lag_seconds",
                                                     "pulso_window_publish_delay_seconds",
                                                     "pulso_sink_queue_depth",
                                                     "pulso_sink_errors_total",
                                                     "pulso_build_info"};

metrics_snapshot sample_snapshot() {
    metrics_snapshot s;
    s.brands = {"acme", "globex"};
    s.ingest.resize(2);
    s.ingest.ingested = 1000;
    s.ingest.accepted = 990;
    s.ingest.rejected[static_cast<std::size_t>(reject_reason::missing_field)] = 7;
    s.ingest.rejected[static_cast<std::size_t>(reject_reason::invalid_json)] = 3;
    s.ingest.duplicate = 4;
    s.ingest.late = 2;
    // globex, facebook (index 2), negative (index 2)
    s.ingest.brand_mentions[(1 * k_platform_count + 2) * 3 + 2] = 42;
    s.sources = {{"kafka", 900}, {"http", 100}};
    s.kafka_lag = {{"mentions", 3, 1234}};
    s.watermark_lag_seconds = 12.5;
    s.sinks = {{"windows", 5, 1}, {"alertmanager", 0, 9}};
    return s;
}

TEST(HttpMetrics, ExportsEveryContractMetricWithHelpAndType) {
    metrics m("1.2.3");
    const std::string text = m.serialize();
    for (const auto& name : k_contract_metrics) {
        EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
        EXPECT_NE(text.find("# TYPE " + name + " "), std::string::npos) << name;
    }
    EXPECT_NE(text.find("# TYPE pulso_window_publish_delay_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("pulso_build_info{version=\"1.2.3\"} 1"), std::string::npos);
    EXPECT_EQ(text.find("summary"), std::string::npos);
}

TEST(HttpMetrics, SumsTheSnapshotAtScrapeTime) {
    int calls = 0;
    metrics m("0.1.0", [&] {
        ++calls;
        return sample_snapshot();
    });
    const std::string text = m.serialize();
    EXPECT_EQ(calls, 1);
    EXPECT_NE(text.find(R"(pulso_mentions_ingested_total{source="http"} 100)"), std::string::npos);
    EXPECT_NE(text.find(R"(pulso_mentions_rejected_total{reason="missing_field"} 7)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(pulso_mentions_rejected_total{reason="future_timestamp"} 0)"),
              std::string::npos);
    EXPECT_EQ(text.find(R"(reason="none")"), std::string::npos);
    EXPECT_NE(text.find("pulso_mentions_duplicate_total 4"), std::string::npos);
    EXPECT_NE(text.find("pulso_mentions_late_total 2"), std::string::npos);
    EXPECT_NE(
        text.find(
            R"(pulso_brand_mentions_total{brand="globex",platform="facebook",sentiment="negative"} 42)"),
        std::string::npos);
    EXPECT_NE(text.find(R"(pulso_kafka_consumer_lag{topic="mentions",partition="3"} 1234)"),
              std::string::npos);
    EXPECT_NE(text.find("pulso_watermark_lag_seconds 12.5"), std::string::npos);
    EXPECT_NE(text.find(R"(pulso_sink_errors_total{sink="alertmanager"} 9)"), std::string::npos);
    EXPECT_NE(text.find(R"(pulso_sink_queue_depth{sink="windows"} 5)"), std::string::npos);
}

TEST(HttpMetrics, HistoryFeedsThePublisherSideMetrics) {
    metrics m("0.1.0");
    history h({}, nullptr, &m);
    h.emit(record_kind::window, "*", window_record("*", k_t0, 10, 10, 20));
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 1, 2));
    h.emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0));
    h.emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0)); // repeated
    std::string text = m.serialize();
    EXPECT_NE(text.find(R"(pulso_brand_window_mentions{brand="acme"} 4)"), std::string::npos);
    EXPECT_NE(text.find(R"(pulso_brand_negative_share{brand="acme"} 0.5)"), std::string::npos);
    EXPECT_EQ(text.find(R"(brand="*")"), std::string::npos);
    EXPECT_NE(
        text.find(
            R"(pulso_alerts_firing{brand="acme",rule="negative_spike",severity="critical"} 1)"),
        std::string::npos);
    EXPECT_NE(text.find(R"(pulso_alerts_total{rule="negative_spike",severity="critical"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find("pulso_window_publish_delay_seconds_count 1"), std::string::npos);
    h.emit(record_kind::alert, "acme", alert_record("a1", "resolved", "acme", k_t0 + k_minute));
    text = m.serialize();
    EXPECT_NE(
        text.find(
            R"(pulso_alerts_firing{brand="acme",rule="negative_spike",severity="critical"} 0)"),
        std::string::npos);
}

int run_promtool(const std::string& text, std::string& output) {
    const auto dir = std::filesystem::temp_directory_path() / "pulso_http_promtool";
    std::filesystem::create_directories(dir);
    const auto in = dir / "metrics.txt";
    const auto out = dir / "promtool.out";
    std::ofstream(in) << text;
    const std::string cmd =
        "/usr/bin/promtool check metrics < " + in.string() + " > " + out.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream f(out);
    output.assign(std::istreambuf_iterator<char>(f), {});
    return rc;
}

TEST(HttpMetrics, PassesPromtoolCheckMetrics) {
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool"))
        << "/usr/bin/promtool is missing: install Debian's `prometheus` package "
           "(scripts/setup.sh)";
    metrics m("0.1.0", sample_snapshot);
    history h({}, nullptr, &m);
    h.emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 1, 2));
    h.emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0));
    std::string output;
    const int rc = run_promtool(m.serialize(), output);
    EXPECT_EQ(rc, 0) << output;
    // promtool reports lint problems (missing help, bad suffixes) on its output even at rc 0
    EXPECT_EQ(output.find("pulso_"), std::string::npos) << output;
}

// ---------------------------------------------------------------- server fixture

struct fake_engine {
    std::atomic<bool> alive{true};
    std::string not_ready = "kafka: no partition assigned";
    std::mutex mu;
    std::string last_ingest;
    std::string reload_error;
    int reloads = 0;

    http_callbacks callbacks() {
        http_callbacks cb;
        cb.alive = [this] { return alive.load(); };
        cb.not_ready_reason = [this] {
            const std::lock_guard lock(mu);
            return not_ready;
        };
        cb.ingest = [this](std::string_view body) {
            const std::lock_guard lock(mu);
            last_ingest.assign(body);
            ingest_result r;
            std::size_t start = 0;
            while (start < body.size()) {
                auto nl = body.find('\n', start);
                if (nl == std::string_view::npos) {
                    nl = body.size();
                }
                if (nl > start) {
                    ++r.lines;
                    ++r.accepted;
                }
                start = nl + 1;
            }
            return r;
        };
        cb.reload = [this] {
            const std::lock_guard lock(mu);
            ++reloads;
            return reload_error;
        };
        cb.brands = [] { return std::vector<std::string>{"acme", "globex"}; };
        return cb;
    }
};

class HttpServerTest : public ::testing::Test {
  protected:
    void start(http_options o = {}, history_options ho = {}) {
        o.listen = "127.0.0.1:0";
        hist_ = std::make_unique<history>(ho, nullptr, &metrics_);
        server_ = std::make_unique<http_server>(o, engine_.callbacks(), *hist_, metrics_);
        server_->start();
        port_ = server_->port();
        ASSERT_NE(port_, 0);
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
        }
    }
    void fill_history() {
        for (int i = 0; i < 40; ++i) {
            const millis t = k_t0 + i * k_minute;
            const std::uint64_t spike = i >= 35 ? 300 : 0;
            hist_->emit(record_kind::window, "*", window_record("*", t, 60, 80, 30 + spike));
            hist_->emit(record_kind::window, "acme", window_record("acme", t, 30, 50, 20 + spike));
            hist_->emit(record_kind::window, "globex", window_record("globex", t, 30, 30, 10));
        }
        const millis last = k_t0 + 39 * k_minute;
        hist_->emit(record_kind::trend, "*", trend_record("*", last, "#apagon", 1, 17.2));
        hist_->emit(record_kind::trend, "acme", trend_record("acme", last, "#acmefail", 1, 9.5));
        hist_->emit(record_kind::alert, "acme",
                    alert_record("acme-negative_spike-1", "firing", "acme", k_t0 + 35 * k_minute));
    }

    metrics metrics_{"9.9.9", sample_snapshot};
    fake_engine engine_;
    std::unique_ptr<history> hist_;
    std::unique_ptr<http_server> server_;
    std::uint16_t port_ = 0;
};

// ---------------------------------------------------------------- endpoints

TEST_F(HttpServerTest, ServesEveryEndpoint) {
    start();
    fill_history();

    auto r = request(port_, "GET", "/metrics");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    for (const auto& name : k_contract_metrics) {
        EXPECT_NE(r->body.find("# TYPE " + name + " "), std::string::npos) << name;
    }
    EXPECT_NE(r->body.find(R"(pulso_build_info{version="9.9.9"} 1)"), std::string::npos);

    r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"status":"ok"})");
    engine_.alive = false;
    r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    engine_.alive = true;

    r = request(port_, "GET", "/readyz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_EQ(r->body, R"({"ready":false,"reason":"kafka: no partition assigned"})");
    {
        const std::lock_guard lock(engine_.mu);
        engine_.not_ready.clear();
    }
    r = request(port_, "GET", "/readyz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);

    r = request(port_, "GET", "/api/v1/windows");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_EQ(array_size(r->body), 120U);
    r = request(port_, "GET",
                "/api/v1/windows?brand=acme&since=" + format_rfc3339(k_t0 + 10 * k_minute) +
                    "&until=" + std::to_string(k_t0 + 20 * k_minute));
    ASSERT_TRUE(r);
    EXPECT_EQ(array_size(r->body), 10U);
    EXPECT_EQ(r->body.find("globex"), std::string::npos);

    r = request(port_, "GET", "/api/v1/trends");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(array_size(r->body), 2U);
    EXPECT_NE(r->body.find("#apagon"), std::string::npos);
    r = request(port_, "GET", "/api/v1/trends?since=" + std::to_string(k_t0));
    ASSERT_TRUE(r);
    EXPECT_EQ(array_size(r->body), 2U);

    r = request(port_, "GET", "/api/v1/alerts?status=firing");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(array_size(r->body), 1U);
    hist_->emit(record_kind::alert, "acme",
                alert_record("acme-negative_spike-1", "resolved", "acme", k_t0 + 39 * k_minute));
    r = request(port_, "GET", "/api/v1/alerts");
    ASSERT_TRUE(r);
    EXPECT_EQ(array_size(r->body), 0U);
    r = request(port_, "GET", "/api/v1/alerts?status=all");
    ASSERT_TRUE(r);
    EXPECT_EQ(array_size(r->body), 2U);

    r = request(port_, "GET", "/api/v1/brands");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(array_size(r->body), 2U);
    EXPECT_NE(r->body.find(R"({"brand":"acme","latest_window":{"brand":"acme")"),
              std::string::npos);

    r = request(port_, "GET", "/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->body, std::string(live_page_html()));
    EXPECT_NE(r->body.find("id=\"volume-chart\""), std::string::npos);
    EXPECT_NE(r->body.find("new EventSource(\"/api/v1/stream\")"), std::string::npos);
}

TEST_F(HttpServerTest, RejectsBadQueryUnknownPathAndWrongMethod) {
    start();
    auto r = request(port_, "GET", "/api/v1/windows?since=yesterday");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(is_json_object(r->body));
    r = request(port_, "GET", "/api/v1/alerts?status=maybe");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    r = request(port_, "GET", "/api/v1/windows?limit=-3");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    r = request(port_, "GET", "/nope");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    r = request(port_, "DELETE", "/metrics");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->header("allow"), "GET");
    r = request(port_, "GET", "/api/v1/ingest");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->header("allow"), "POST");
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
    start();
    auto s = connect_to(port_);
    ASSERT_TRUE(s.valid());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(send_all(s.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto r = read_reply(s.get(), 5s);
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->status, 200);
    }
    // two pipelined requests in one write
    ASSERT_TRUE(send_all(s.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string both = read_for(s.get(), 1500ms);
    EXPECT_NE(both.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_NE(both.find("HTTP/1.1 404"), std::string::npos);
}

TEST_F(HttpServerTest, PostEndpointsAreForbiddenWithoutAConfiguredToken) {
    start(); // no token
    auto r = request(port_, "POST", "/api/v1/ingest", "{}\n", "Authorization: Bearer x\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    r = request(port_, "POST", "/-/reload", "", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_TRUE(engine_.last_ingest.empty());
    EXPECT_EQ(engine_.reloads, 0);
}

TEST_F(HttpServerTest, PostEndpointsCheckTheBearerToken) {
    http_options o;
    o.token = "s3cret-token";
    start(o);
    const std::string body = "{\"id\":\"1\"}\n{\"id\":\"2\"}\n\n{\"id\":\"3\"}";
    auto r = request(port_, "POST", "/api/v1/ingest", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->header("www-authenticate").rfind("Bearer", 0), 0U);
    r = request(port_, "POST", "/api/v1/ingest", body, "Authorization: Bearer s3cret-tokem\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    r = request(port_, "POST", "/api/v1/ingest", body, "Authorization: Basic s3cret-token\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_TRUE(engine_.last_ingest.empty());

    r = request(port_, "POST", "/api/v1/ingest", body, "Authorization: Bearer s3cret-token\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_EQ(r->body, R"({"lines":3,"accepted":3,"rejected":0})");
    EXPECT_EQ(engine_.last_ingest, body);

    r = request(port_, "POST", "/-/reload", "", "Authorization: Bearer s3cret-token\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"status":"ok"})");
    {
        const std::lock_guard lock(engine_.mu);
        engine_.reload_error = "config.yaml:3: brands[0].name: duplicate 'acme'";
    }
    r = request(port_, "POST", "/-/reload", "", "Authorization: Bearer s3cret-token\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("duplicate 'acme'"), std::string::npos);
    EXPECT_EQ(engine_.reloads, 2);

    // Expect: 100-continue is honoured (curl sends it for large bodies)
    auto s = connect_to(port_);
    ASSERT_TRUE(send_all(s.get(), "POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer s3cret-token\r\nExpect: 100-continue\r\n"
                                  "Content-Length: 3\r\n\r\n"));
    const std::string cont = read_for(s.get(), 2s, nullptr, 25);
    EXPECT_EQ(cont.rfind("HTTP/1.1 100 Continue", 0), 0U) << cont;
    ASSERT_TRUE(send_all(s.get(), "{}\n"));
    auto r2 = read_reply(s.get(), 5s);
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->status, 200);
}

TEST_F(HttpServerTest, StreamsRecordsAsServerSentEvents) {
    start();
    auto s = connect_to(port_);
    ASSERT_TRUE(send_all(s.get(), "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string got = read_for(s.get(), 2s, nullptr, 100);
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
    EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos);
    // wait until the subscription exists, then publish
    for (int i = 0; i < 100 && hist_->stats().subscribers == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(hist_->stats().subscribers, 1U);
    hist_->emit(record_kind::window, "acme", window_record("acme", k_t0, 1, 2, 3));
    hist_->emit(record_kind::trend, "*", trend_record("*", k_t0, "#apagon", 1, 17.2));
    hist_->emit(record_kind::alert, "acme", alert_record("a1", "firing", "acme", k_t0));
    hist_->emit(record_kind::dead_letter, "", R"({"reason":"invalid_json"})");
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (got.find("event: alert\n") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        got += read_for(s.get(), 200ms);
    }
    EXPECT_NE(got.find("event: window\ndata: " + window_record("acme", k_t0, 1, 2, 3) + "\n\n"),
              std::string::npos);
    EXPECT_NE(got.find("event: trend\ndata: {"), std::string::npos);
    EXPECT_NE(got.find("event: alert\ndata: {\"id\":\"a1\""), std::string::npos);
    EXPECT_EQ(got.find("dead_letter"), std::string::npos);
    EXPECT_EQ(server_->stats().sse_clients, 1U);
    s.reset(); // the client leaves: the server notices and unsubscribes
    for (int i = 0; i < 200 && server_->stats().sse_clients != 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server_->stats().sse_clients, 0U);
}

TEST_F(HttpServerTest, SendsSseHeartbeats) {
    http_options o;
    o.sse_heartbeat = 200ms;
    start(o);
    auto s = connect_to(port_);
    ASSERT_TRUE(send_all(s.get(), "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string got = read_for(s.get(), 1s);
    EXPECT_NE(got.find(": heartbeat\n\n"), std::string::npos) << got;
}

// ---------------------------------------------------------------- robustness

TEST_F(HttpServerTest, OversizedHeaderIs431) {
    start();
    auto s = connect_to(port_);
    const std::string req =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9 * 1024, 'a') + "\r\n\r\n";
    ASSERT_TRUE(send_all(s.get(), req));
    auto r = read_reply(s.get(), 5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
    bool eof = false;
    read_for(s.get(), 3s, &eof);
    EXPECT_TRUE(eof);
    // a header just under the limit is fine
    auto ok =
        request(port_, "GET", "/healthz", {}, "X-Big: " + std::string(7 * 1024, 'a') + "\r\n");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
    http_options o;
    o.token = "t";
    o.max_body_bytes = 64 * 1024;
    start(o);
    // declared too large: refused before a body byte is read
    auto s = connect_to(port_);
    ASSERT_TRUE(send_all(s.get(), "POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer t\r\nContent-Length: 65537\r\n\r\n"));
    auto r = read_reply(s.get(), 5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    // chunked, found too large while reading
    auto c = connect_to(port_);
    std::string chunked = "POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) {
        chunked += "1000\r\n" + std::string(0x1000, 'x') + "\r\n";
    }
    chunked += "0\r\n\r\n";
    ASSERT_TRUE(send_all(c.get(), chunked));
    r = read_reply(c.get(), 5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    // small routes have a small cap
    r = request(port_, "POST", "/-/reload", std::string(70 * 1024, 'x'),
                "Authorization: Bearer t\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    // and a body within the cap goes through
    r = request(port_, "POST", "/api/v1/ingest", std::string(60 * 1024, 'x'),
                "Authorization: Bearer t\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, GarbageIs400) {
    start();
    for (const std::string_view junk :
         {std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 26),
          std::string_view("GET / HTTP/9.9\r\n\r\n"),
          std::string_view("hello world, this is not http\r\n\r\n"),
          std::string_view("GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
          std::string_view("GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n")}) {
        auto s = connect_to(port_);
        ASSERT_TRUE(send_all(s.get(), junk));
        auto r = read_reply(s.get(), 5s);
        ASSERT_TRUE(r) << junk;
        EXPECT_EQ(r->status, 400) << junk;
    }
    auto r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, TruncatedRequestTimesOutWithoutBlockingOthers) {
    http_options o;
    o.read_timeout = 1s;
    o.idle_timeout = 1s;
    start(o);
    auto held = connect_to(port_);
    ASSERT_TRUE(send_all(held.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Partial: 1"));
    auto idle = connect_to(port_); // sends nothing at all
    const auto t0 = std::chrono::steady_clock::now();
    auto r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);

    auto timed_out = read_reply(held.get(), 5s);
    ASSERT_TRUE(timed_out);
    EXPECT_EQ(timed_out->status, 408);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 800ms);
    EXPECT_LT(waited, 4s);
    bool eof = false;
    const std::string nothing = read_for(idle.get(), 3s, &eof);
    EXPECT_TRUE(eof);
    EXPECT_TRUE(nothing.empty()) << nothing; // an idle connection is just closed

    // a truncated body is timed out the same way
    auto body = connect_to(port_);
    ASSERT_TRUE(
        send_all(body.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
    auto rb = read_reply(body.get(), 5s);
    ASSERT_TRUE(rb);
    EXPECT_EQ(rb->status, 408);
}

TEST_F(HttpServerTest, ConnectionCapIsEnforcedAndTheServerRecovers) {
    http_options o;
    o.max_connections = 256;
    start(o);
    constexpr int k_clients = 300;
    std::vector<test::socket_fd> conns;
    conns.reserve(k_clients);
    for (int i = 0; i < k_clients; ++i) {
        conns.push_back(connect_to(port_));
        ASSERT_TRUE(conns.back().valid()) << i;
    }
    // let the acceptor see all of them before anyone speaks
    for (int i = 0; i < 300 && server_->stats().connections_accepted < k_clients; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(server_->stats().connections_accepted, static_cast<std::uint64_t>(k_clients));
    EXPECT_EQ(server_->stats().connections_open, 256U);
    for (auto& c : conns) {
        ASSERT_TRUE(send_all(c.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    }
    int ok = 0;
    int refused = 0;
    int other = 0;
    for (auto& c : conns) {
        auto r = read_reply(c.get(), 10s);
        if (r && r->status == 200) {
            ++ok;
        } else if (r && r->status == 503) {
            ++refused;
        } else {
            ++other;
        }
    }
    EXPECT_EQ(ok, 256);
    EXPECT_EQ(refused, k_clients - 256);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(server_->stats().connections_refused, static_cast<std::uint64_t>(k_clients - 256));
    conns.clear();
    for (int i = 0; i < 300 && server_->stats().connections_open != 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server_->stats().connections_open, 0U);
    auto r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, SlowSseClientIsDroppedNotBuffered) {
    history_options ho;
    ho.subscriber_queue_bytes = 64 * 1024;
    start({}, ho);
    auto slow = connect_to(port_, 4096); // small receive window, and it never reads
    ASSERT_TRUE(send_all(slow.get(), "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 100 && hist_->stats().subscribers == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(hist_->stats().subscribers, 1U);
    const std::string rec = window_record("acme", k_t0, 1, 2, 3);
    std::uint64_t pushed = 0;
    for (int i = 0; i < 40'000 && server_->stats().sse_dropped == 0; ++i) {
        hist_->emit(record_kind::window, "acme", rec);
        pushed += rec.size();
    }
    for (int i = 0; i < 500 && server_->stats().sse_dropped == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server_->stats().sse_dropped, 1U) << "pushed " << pushed << " bytes";
    EXPECT_EQ(hist_->stats().subscribers_overflowed, 1U);
    for (int i = 0; i < 200 && hist_->stats().subscribers != 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(hist_->stats().subscribers, 0U);
    EXPECT_EQ(server_->stats().sse_clients, 0U);

    // the server still serves, and a fresh subscriber gets new records
    auto r = request(port_, "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    auto fresh = connect_to(port_);
    ASSERT_TRUE(send_all(fresh.get(), "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 100 && hist_->stats().subscribers == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    hist_->emit(record_kind::alert, "acme", alert_record("a9", "firing", "acme", k_t0));
    std::string got;
    for (int i = 0; i < 20 && got.find("\"a9\"") == std::string::npos; ++i) {
        got += read_for(fresh.get(), 100ms);
    }
    EXPECT_NE(got.find("event: alert\ndata: {\"id\":\"a9\""), std::string::npos);
}

TEST(HttpServer, BindsAnEphemeralPortAndRefusesABadListenAddress) {
    metrics m("0");
    history h;
    http_options o;
    o.listen = "127.0.0.1:0";
    http_server a(o, {}, h, m);
    EXPECT_NE(a.port(), 0);
    EXPECT_EQ(a.local_address(), "127.0.0.1:" + std::to_string(a.port()));
    a.start();
    auto r = request(a.port(), "GET", "/readyz"); // no callbacks: ready
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    http_options same = o;
    same.listen = "127.0.0.1:" + std::to_string(a.port());
    EXPECT_THROW({ http_server taken(same, {}, h, m); }, std::runtime_error);
    http_options bad = o;
    bad.listen = "not-an-address";
    try {
        http_server s(bad, {}, h, m);
        FAIL() << "expected a throw";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("http.listen"), std::string::npos);
    }
    a.stop();
    a.stop(); // idempotent
}

// ---------------------------------------------------------------- live page in Chromium

std::string evaluate_params(std::string_view expression) {
    std::string out;
    json_writer(out)
        .begin_object()
        .key("expression")
        .value(expression)
        .key("returnByValue")
        .value(true)
        .end_object();
    return out;
}

/// Evaluates `expression` (which returns a string) every 200 ms until it is non-empty.
std::string wait_for(test::chromium_cdp& cdp, const std::string& session,
                     std::string_view expression, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto reply = cdp.call("Runtime.evaluate", evaluate_params(expression), session);
        if (reply) {
            if (auto v = test::chromium_cdp::string_at(*reply, "/result/result/value");
                v && !v->empty()) {
                return *v;
            }
        }
        std::this_thread::sleep_for(200ms);
    }
    return {};
}

TEST_F(HttpServerTest, LivePageRendersInHeadlessChromium) {
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
        << "/usr/bin/chromium is missing: install Debian's `chromium` package (scripts/setup.sh)";
    start();
    fill_history();
    const std::filesystem::path artifacts =
        std::filesystem::path(PULSO_BINARY_DIR) / "tests" / "artifacts";
    std::filesystem::create_directories(artifacts);
    const auto profile =
        std::filesystem::temp_directory_path() / ("pulso_chromium_" + std::to_string(::getpid()));
    std::filesystem::remove_all(profile);
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/";

    test::chromium_cdp cdp;
    ASSERT_TRUE(cdp.start(profile.string()));
    // The first reply waits for the browser to start: slow on a loaded 2-core machine.
    const auto target = cdp.call("Target.createTarget", R"({"url":"about:blank"})", {}, 60s);
    ASSERT_TRUE(target) << "no reply from chromium over --remote-debugging-pipe: "
                        << cdp.diagnostics();
    const auto target_id = test::chromium_cdp::string_at(*target, "/result/targetId");
    ASSERT_TRUE(target_id) << *target;
    const auto attached =
        cdp.call("Target.attachToTarget", R"({"targetId":")" + *target_id + R"(","flatten":true})");
    ASSERT_TRUE(attached);
    const auto session = test::chromium_cdp::string_at(*attached, "/result/sessionId");
    ASSERT_TRUE(session) << *attached;
    ASSERT_TRUE(cdp.call("Emulation.setDeviceMetricsOverride",
                         R"({"width":1280,"height":900,"deviceScaleFactor":1,"mobile":false})",
                         *session));
    ASSERT_TRUE(cdp.call("Page.navigate", R"({"url":")" + url + R"("})", *session));

    // Rendered: both charts drawn, a trend and the alert listed, the SSE stream open.
    const std::string dom = wait_for(
        cdp, *session,
        "(document.querySelector('#volume-chart svg path.line') &&"
        " document.querySelector('#sentiment-chart svg path.area') &&"
        " document.querySelector('#trends li') && document.querySelector('#alerts .alert') &&"
        " document.getElementById('status').className === 'live')"
        " ? document.documentElement.outerHTML : ''",
        30s);
    ASSERT_FALSE(dom.empty()) << "the page did not render its charts, trends and alert";
    std::ofstream(artifacts / "demo_page.dom.html") << dom;

    auto section = [&](std::string_view id) {
        const auto at = dom.find("id=\"" + std::string(id) + "\"");
        EXPECT_NE(at, std::string::npos) << id;
        return at == std::string::npos ? std::string() : dom.substr(at, 20000);
    };
    const std::string volume = section("volume-chart");
    EXPECT_NE(volume.find("<svg"), std::string::npos) << volume.substr(0, 300);
    EXPECT_NE(volume.find("data-brand=\"acme\""), std::string::npos);
    EXPECT_NE(volume.find("data-brand=\"globex\""), std::string::npos);
    const std::string sentiment = section("sentiment-chart");
    EXPECT_NE(sentiment.find("<svg"), std::string::npos);
    EXPECT_NE(sentiment.find("area negative"), std::string::npos);
    const std::string trends = section("trends");
    EXPECT_NE(trends.find("<li"), std::string::npos);
    EXPECT_NE(trends.find("#apagon"), std::string::npos);
    const std::string alerts = section("alerts");
    EXPECT_NE(alerts.find("class=\"alert critical\""), std::string::npos) << alerts.substr(0, 500);
    EXPECT_NE(alerts.find(">negative_spike<"), std::string::npos);
    EXPECT_NE(alerts.find(">acme<"), std::string::npos);
    EXPECT_NE(alerts.find(">critical<"), std::string::npos);
    EXPECT_NE(alerts.find("refund (21)"), std::string::npos);
    EXPECT_NE(alerts.find("#acmefail (17)"), std::string::npos);
    EXPECT_NE(alerts.find("@angry"), std::string::npos);
    EXPECT_NE(alerts.find("tw-991"), std::string::npos);

    // A record published now reaches the open page through SSE.
    hist_->emit(record_kind::alert, "globex",
                alert_record("globex-influencer-1", "firing", "globex", k_t0 + 39 * k_minute,
                             "influencer", "warning"));
    const std::string live =
        wait_for(cdp, *session,
                 "document.querySelector('#alerts .alert[data-id=\"globex-influencer-1\"]')"
                 " ? document.querySelector('#alerts').innerText : ''",
                 15s);
    EXPECT_NE(live.find("influencer"), std::string::npos) << live;

    const auto shot = cdp.call("Page.captureScreenshot", R"({"format":"png"})", *session);
    ASSERT_TRUE(shot);
    const auto data = test::chromium_cdp::string_at(*shot, "/result/data");
    ASSERT_TRUE(data);
    const std::string png = test::base64_decode(*data);
    EXPECT_EQ(png.substr(1, 3), "PNG");
    EXPECT_GT(png.size(), 10'000U);
    std::ofstream(artifacts / "demo_page.png", std::ios::binary) << png;
    cdp.shutdown();
    std::filesystem::remove_all(profile);
}

} // namespace
} // namespace pulso::http
