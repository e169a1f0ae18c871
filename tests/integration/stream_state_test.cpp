// detect.state_file: `pulso run` stopped after 30 minutes of a scripted stream and started
// again publishes the same alerts and trends as one uninterrupted pass (`pulso replay` over
// the whole input): the restarted detector continues from the saved baselines instead of
// waiting detect.min_windows (30) windows, so the negative spike at minute 35 is caught.
#include "harness.h"
#include "pulso/core/time.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace pulso::itest {
namespace {

using namespace std::chrono_literals;

millis event_time(const std::string& line) {
    const std::string key = "\"created_at\":\"";
    const std::size_t at = line.find(key);
    millis t = 0;
    if (at != std::string::npos) {
        const std::size_t end = line.find('"', at + key.size());
        (void)parse_rfc3339(std::string_view(line).substr(at + key.size(), end - at - key.size()),
                            t);
    }
    return t;
}

void wait_committed(const std::string& bootstrap, const std::string& group, millis want) {
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (committed_watermark(bootstrap, group, "mentions", 4) < want &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(500ms);
    }
    ASSERT_GE(committed_watermark(bootstrap, group, "mentions", 4), want)
        << "the committed watermark did not reach " << format_rfc3339(want);
}

/// Records of windows final at `wm`, with an alert's `evidence.cluster_share` masked: the
/// largest repost/copy cluster is counted by a Space-Saving sketch per input partition, and
/// the merge of 4 partitions' sketches estimates it differently from replay's single sketch
/// (both within the sketch's error). Everything else must match byte for byte.
std::set<std::string> final_records(const std::vector<std::string>& records, millis wm) {
    std::set<std::string> out;
    const std::string key = "\"cluster_share\":";
    for (std::string r : records) {
        if (window_end(r) > wm) {
            continue;
        }
        const std::size_t at = r.find(key);
        if (at != std::string::npos) {
            const std::size_t end = r.find_first_of(",}", at + key.size());
            r.replace(at + key.size(), end - at - key.size(), "…");
        }
        out.insert(r);
    }
    return out;
}

std::size_t count_lines_with(const std::string& path, const std::string& what) {
    std::ifstream f(path);
    std::string line;
    std::size_t n = 0;
    while (std::getline(f, line)) {
        n += line.find(what) != std::string::npos ? 1 : 0;
    }
    return n;
}

TEST(StreamState, RestartKeepsTheDetectorsBaselines) {
    const std::string dir = temp_dir("state");
    auto [broker, bootstrap] = start_broker(4, dir);
    generator_options o;
    o.scenario = "negative_spike"; // acme: 10x negative mentions from minute 35 for 5 minutes
    o.rate = 4.5;
    o.duration = 40 * 60'000;
    o.seed = 5;
    const generated in = generate(o);
    const millis t0 = event_time(in.lines.front());
    std::size_t cut = 0;
    while (cut < in.lines.size() && event_time(in.lines[cut]) < t0 + 30 * 60'000) {
        ++cut;
    }
    ASSERT_GT(cut, 0U);
    ASSERT_LT(cut, in.lines.size());

    const std::string state = dir + "/detector.state";
    const std::string group = fresh_group("state");
    const std::string yaml =
        config_yaml(bootstrap, group, "detect: {state_file: \"" + state + "\"}\n", "2s");
    const std::string cfg_path = write_file(dir, "pulso.yaml", yaml);
    const config cfg = load_config_text(yaml, "test");
    const millis ooo = cfg.watermark.max_out_of_order;
    const std::vector<std::string> args = {pulso_bin(), "run",       "--config",
                                           cfg_path,    "--workers", "2"};
    const std::string log = dir + "/run.log";

    // Run 1: the first 30 minutes, then a clean stop.
    {
        child run(args, false, log);
        ASSERT_TRUE(wait_for_log(log, "assigned", 1, 40s));
        produce(bootstrap, "mentions", in.lines, 0, 0, cut);
        wait_committed(bootstrap, group, event_time(in.lines[cut - 1]) - ooo);
        run.signal(SIGTERM);
        ASSERT_EQ(run.wait(20s), 0);
    }
    EXPECT_EQ(count_lines_with(log, "detector state: no file"), 1U);
    ASSERT_TRUE(std::filesystem::exists(state)) << "run 1 saved no detector state";

    // Run 2: the rest, from the committed offsets and the saved state.
    {
        child run(args, false, log);
        EXPECT_TRUE(wait_for_log(log, "detector state: restored from", 1, 20s));
        ASSERT_TRUE(wait_for_log(log, "assigned", 2, 40s));
        produce(bootstrap, "mentions", in.lines, 0, cut);
        wait_committed(bootstrap, group, in.max_event - ooo);
        run.signal(SIGTERM);
        ASSERT_EQ(run.wait(20s), 0);
    }

    const millis wm = in.max_event - ooo;
    const std::set<std::string> want_alerts =
        final_records(replay_detections(cfg, in.lines, true), wm);
    const std::set<std::string> want_trends =
        final_records(replay_detections(cfg, in.lines, false), wm);
    std::size_t spikes = 0;
    for (const std::string& a : want_alerts) {
        spikes += a.find("\"rule\":\"negative_spike\"") != std::string::npos &&
                          a.find("\"brand\":\"acme\"") != std::string::npos
                      ? 1
                      : 0;
    }
    ASSERT_GE(spikes, 1U) << "the scenario must raise acme's negative_spike in one pass";

    const std::vector<std::string> alerts = read_topic(bootstrap, "pulso.alerts");
    const std::vector<std::string> trends = read_topic(bootstrap, "pulso.trends");
    const std::set<std::string> got_alerts = final_records(alerts, wm);
    const std::set<std::string> got_trends = final_records(trends, wm);
    std::printf("one pass: %zu alert and %zu trend records; restarted run: %zu and %zu\n",
                want_alerts.size(), want_trends.size(), got_alerts.size(), got_trends.size());
    EXPECT_EQ(alerts.size(), got_alerts.size()) << "an alert record was published twice";
    EXPECT_EQ(got_alerts, want_alerts);
    EXPECT_EQ(got_trends, want_trends);
}

} // namespace
} // namespace pulso::itest
