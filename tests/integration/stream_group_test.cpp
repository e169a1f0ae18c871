// A second `pulso run` joins the group mid-stream and later leaves (SIGTERM): the union of
// what both published equals the single-process result. The mock's group emulation is rough
// (lost assignments, re-delivery), so the test asserts invariants, not delivery counts.
//
// One process can only finalise a window when it owns every input partition (the
// cross-process merge is the aggregate role's job, DESIGN "Scale-out"); while the partitions
// are split, both hold their windows open and the one left with all partitions publishes.
#include "harness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <thread>

namespace pulso::itest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(StreamGroup, SecondProcessJoinsAndLeavesWithoutChangingResults) {
    const std::string dir = temp_dir("group");
    auto [broker, bootstrap] = start_broker(4, dir);
    generator_options o;
    // 100/s: while the partitions are split nothing is published, so no offset moves and the
    // whole input must stay within the mock's ~5 MiB per partition.
    o.rate = 100;
    o.duration = 6 * 60'000;
    o.seed = 3;
    const generated in = generate(o);
    const std::string group = fresh_group("group");
    const std::string yaml = config_yaml(bootstrap, group);
    const std::string cfg_path = write_file(dir, "pulso.yaml", yaml);
    const config cfg = load_config_text(yaml, "test");
    const std::int64_t wm = in.max_event - cfg.watermark.max_out_of_order;
    std::set<std::string> expected;
    for (const std::string& w : replay_windows(cfg, in.lines)) {
        if (window_end(w) <= wm) {
            expected.insert(w);
        }
    }

    std::thread producer([&] { produce(bootstrap, "mentions", in.lines, 800); });
    child a({pulso_bin(), "run", "--config", cfg_path, "--workers", "2"}, false, dir + "/a.log");
    std::this_thread::sleep_for(10s);
    child b({pulso_bin(), "run", "--config", cfg_path, "--workers", "1"}, false, dir + "/b.log");
    std::this_thread::sleep_for(20s);
    b.signal(SIGTERM);
    EXPECT_EQ(b.wait(20s), 0) << "the leaving process exits 0 after SIGTERM";
    producer.join();

    std::map<std::string, std::vector<std::string>> by_key;
    const auto deadline = clock_type::now() + 120s;
    while (clock_type::now() < deadline) {
        by_key.clear();
        for (const std::string& w : read_topic(bootstrap, "pulso.windows")) {
            by_key[window_key(w)].push_back(w);
        }
        if (by_key.size() >= expected.size()) {
            break;
        }
        std::this_thread::sleep_for(1s);
    }
    a.signal(SIGTERM);
    EXPECT_EQ(a.wait(20s), 0);

    std::set<std::string> unique;
    std::size_t repeats = 0;
    for (const auto& [key, records] : by_key) {
        for (const std::string& r : records) {
            EXPECT_TRUE(r == records.front()) << "two different records for " << key;
        }
        repeats += records.size() - 1;
        unique.insert(records.front());
    }
    std::printf("%zu distinct window records, %zu repeat(s)\n", unique.size(), repeats);
    EXPECT_EQ(diff_windows(unique, expected), "");
}

} // namespace
} // namespace pulso::itest
