// detect.state_file: `pulso run` stopped after 30 minutes of a scripted stream and started
// again publishes the same alerts and trends as one uninterrupted pass (`pulso replay` over
// the whole input): the restarted detector continues from the saved baselines instead of
// waiting detect.min_windows (30) windows, so the negative spike at minute 35 is caught.
#include "harness.h"
#include "pulso/core/time.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

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

/// The port of the last "http on http://127.0.0.1:PORT/" line of a `pulso run` log; 0 if none.
int http_port(const std::string& log) {
    std::ifstream f(log);
    std::string line;
    int port = 0;
    const std::string key = "http on http://127.0.0.1:";
    while (std::getline(f, line)) {
        const std::size_t at = line.find(key);
        if (at != std::string::npos) {
            port = std::atoi(line.c_str() + at + key.size());
        }
    }
    return port;
}

/// The body of GET `path` on 127.0.0.1:`port` (HTTP/1.0, read to the end); "" on failure.
std::string http_get(int port, const std::string& path) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (fd >= 0 && connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
        const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
            char buf[8192];
            ssize_t r = 0;
            while ((r = read(fd, buf, sizeof buf)) > 0) {
                response.append(buf, static_cast<std::size_t>(r));
            }
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    const std::size_t body = response.find("\r\n\r\n");
    return body == std::string::npos ? std::string() : response.substr(body + 4);
}

/// The value of a string field, e.g. "id", of a one-line JSON record.
std::string string_field(const std::string& json, const std::string& name) {
    const std::string key = "\"" + name + "\":\"";
    const std::size_t at = json.find(key);
    if (at == std::string::npos) {
        return {};
    }
    const std::size_t end = json.find('"', at + key.size());
    return json.substr(at + key.size(), end - at - key.size());
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

    // Run 3, no new input: the alerts still firing at the end of run 2 are listed by the API
    // from the state file (not re-published on the alerts topic).
    std::set<std::string> still_firing;
    for (const std::string& a : alerts) {
        const std::string id = string_field(a, "id");
        if (string_field(a, "status") == "firing") {
            still_firing.insert(id);
        } else {
            still_firing.erase(id);
        }
    }
    ASSERT_FALSE(still_firing.empty()) << "the scenario's alerts should still fire at its end";
    {
        child run(args, false, log);
        ASSERT_TRUE(wait_for_log(log, "alert(s) still firing", 1, 20s));
        ASSERT_TRUE(wait_for_log(log, "http on", 3, 20s));
        const std::string listed = http_get(http_port(log), "/api/v1/alerts?status=firing");
        for (const std::string& id : still_firing) {
            EXPECT_NE(listed.find("\"id\":\"" + id + "\""), std::string::npos)
                << id << " missing from " << listed;
        }
        std::size_t listed_firing = 0;
        for (std::size_t at = listed.find("\"status\":\"firing\""); at != std::string::npos;
             at = listed.find("\"status\":\"firing\"", at + 1)) {
            ++listed_firing;
        }
        EXPECT_EQ(listed_firing, still_firing.size()) << listed;
        run.signal(SIGTERM);
        ASSERT_EQ(run.wait(20s), 0);
    }
    EXPECT_EQ(read_topic(bootstrap, "pulso.alerts").size(), alerts.size())
        << "restored alerts must not be published again";
}

} // namespace
} // namespace pulso::itest
