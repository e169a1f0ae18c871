// Live reload of `pulso run` (issue 5 item 3): SIGHUP swaps brand rules without losing window
// state, and a bad or non-reloadable config is refused while the old rules keep running.
#include "harness.h"
#include "pulso/core/time.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>

namespace pulso::itest {
namespace {

using namespace std::chrono_literals;

constexpr millis k_t0 = 1795665600000; // 2026-11-26T04:00:00Z

std::string yaml(const std::string& bootstrap, const std::string& group, bool with_zeta,
                 const std::string& extra = "") {
    std::string y = "brands:\n  - name: acme\n    keywords: [acme]\n";
    if (with_zeta) {
        y += "  - name: zeta\n    keywords: [zeta]\n";
    }
    y += "watermark: {max_out_of_order: 1s, idle_timeout: 3s}\n";
    y += "kafka:\n  brokers: \"" + bootstrap + "\"\n  topic: mentions\n  group: \"" + group +
         "\"\n  \"session.timeout.ms\": 6000\n  \"heartbeat.interval.ms\": 500\n";
    y += "http: {listen: \"127.0.0.1:0\"}\n";
    return y + extra;
}

/// Mentions of acme and zeta at one per second of event time in [from_s, to_s).
std::vector<std::string> mentions(int from_s, int to_s) {
    std::vector<std::string> out;
    for (int s = from_s; s < to_s; ++s) {
        for (const char* brand : {"acme", "zeta"}) {
            out.push_back(R"({"id":")" + std::string(brand) + std::to_string(s) +
                          R"(","platform":"twitter","created_at":)" +
                          std::to_string(k_t0 + s * 1000LL) + R"(,"text":"I like )" + brand +
                          R"(","author":{"id":"u)" + std::to_string(s) + R"("},"sentiment":0.5})");
        }
    }
    return out;
}

TEST(StreamReload, SighupAddsABrandAndRefusesBadConfigs) {
    const std::string dir = temp_dir("reload");
    auto [broker, bootstrap] = start_broker(4, dir);
    ASSERT_FALSE(bootstrap.empty());
    const std::string group = fresh_group("reload");
    const std::string path = write_file(dir, "pulso.yaml", yaml(bootstrap, group, false));
    const std::string log = dir + "/run.log";
    child run({pulso_bin(), "run", "--config", path, "--workers", "2", "-q"}, false, log);
    ASSERT_TRUE(wait_for_log(log, "assigned", 2, 60s)) << "pulso run got no partitions";

    // Minutes 0-1 with acme only; then zeta is added; minutes 2-3 with both.
    produce(bootstrap, "mentions", mentions(0, 120), 0);
    std::this_thread::sleep_for(3s);
    write_file(dir, "pulso.yaml", yaml(bootstrap, group, true));
    run.signal(SIGHUP);
    ASSERT_TRUE(wait_for_log(log, "reload: 2 brands (1 added, 0 retired)", 1, 20s));
    produce(bootstrap, "mentions", mentions(120, 240), 0);

    // A broken file and a non-reloadable change are refused; the service keeps running.
    write_file(dir, "pulso.yaml", "brands: [\n");
    run.signal(SIGHUP);
    ASSERT_TRUE(wait_for_log(log, "reload refused", 1, 20s));
    write_file(dir, "pulso.yaml", yaml(bootstrap, group, true, "windows: {size: 2m}\n"));
    run.signal(SIGHUP);
    ASSERT_TRUE(wait_for_log(log, "these settings need a restart: windows.size", 1, 20s));
    EXPECT_TRUE(run.running());

    // Windows up to minute 2 become final (the last one, minute 3, cannot: its end is beyond
    // every partition's watermark in a live stream).
    std::map<std::string, std::string> by_key;
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < deadline) {
        by_key.clear();
        for (const std::string& w : read_topic(bootstrap, "pulso.windows")) {
            by_key[window_key(w)] = w;
        }
        // Every window record of minutes 0-2 (read_topic may see a partition late).
        if (by_key.count("zeta|2026-11-26T04:02:00Z") != 0 && by_key.size() >= 7) {
            break;
        }
        std::this_thread::sleep_for(1s);
    }
    run.signal(SIGTERM);
    EXPECT_EQ(run.wait(30s), 0);
    std::string keys;
    for (const auto& [k, w] : by_key) {
        keys += k + " ";
    }
    std::printf("window records: %s\n", keys.c_str());

    for (int m = 0; m < 3; ++m) {
        const std::string start = "2026-11-26T04:0" + std::to_string(m) + ":00Z";
        ASSERT_EQ(by_key.count("acme|" + start), 1U) << start;
        EXPECT_NE(by_key["acme|" + start].find(R"("mentions":60)"), std::string::npos)
            << "acme's counts survive the reload: " << by_key["acme|" + start];
        EXPECT_NE(by_key["*|" + start].find(R"("mentions":120)"), std::string::npos)
            << by_key["*|" + start];
        // zeta is counted from the reload on: never before minute 2, fully from minute 2.
        if (m < 2) {
            EXPECT_EQ(by_key.count("zeta|" + start), 0U) << start;
        } else {
            ASSERT_EQ(by_key.count("zeta|" + start), 1U) << start;
            EXPECT_NE(by_key["zeta|" + start].find(R"("mentions":60)"), std::string::npos)
                << by_key["zeta|" + start];
        }
    }
}

} // namespace
} // namespace pulso::itest
