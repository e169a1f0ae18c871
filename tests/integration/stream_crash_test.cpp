// kill -9 of `pulso run` at random points mid-stream, restarted each time: every window is
// complete and published once per key; a repeat (a crash between publish and commit) is
// byte-identical. The reference is `pulso replay` over the same input, which the run test
// shows equal to an uninterrupted `pulso run`.
#include "harness.h"
#include "pulso/window/partition_windows.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>

namespace pulso::itest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(StreamCrash, KillNineAndRestartPublishesEveryWindowOnce) {
    const std::string dir = temp_dir("crash");
    auto [broker, bootstrap] = start_broker(4, dir);
    generator_options o;
    // 100/s: the whole input stays within the mock's retention however far commits lag
    // behind while pulso is being killed (~9k mentions per partition).
    o.rate = 100;
    o.duration = 6 * 60'000;
    o.seed = 3;
    o.bad_ratio = 0.01; // dead letters go through the crashes too
    const generated in = generate(o);
    const std::string group = fresh_group("crash");
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

    std::uint64_t seed = std::random_device{}();
    if (const char* s = std::getenv("PULSO_TEST_SEED")) {
        seed = std::strtoull(s, nullptr, 10);
    }
    std::printf("seed %llu (set PULSO_TEST_SEED to repeat)\n",
                static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    const int kills = 3 + static_cast<int>(rng() % 3);

    const std::vector<std::string> args = {pulso_bin(), "run",       "--config",
                                           cfg_path,    "--workers", "2"};
    // ~50 s of production, so that the kills fall mid-stream.
    std::thread producer([&] { produce(bootstrap, "mentions", in.lines, 700); });
    std::size_t assignments = 0;
    child run(args, false, dir + "/run.log");
    for (int k = 0; k < kills; ++k) {
        // A restart waits for the dead member's session (6 s) before it gets partitions: kill
        // at a random point 0.5-5.5 s after this instance got its first assignment.
        EXPECT_TRUE(wait_for_log(dir + "/run.log", "assigned", assignments + 1, 40s));
        std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 5000));
        run.signal(SIGKILL);
        EXPECT_EQ(run.wait(5s), 128 + SIGKILL);
        const std::int64_t committed = committed_watermark(bootstrap, group, "mentions", 4);
        std::printf("kill %d: committed watermark %s\n", k + 1,
                    committed == k_no_watermark ? "-" : format_rfc3339(committed).c_str());
        {
            std::ifstream f(dir + "/run.log");
            std::string line;
            assignments = 0;
            while (std::getline(f, line)) {
                assignments += line.find("assigned") != std::string::npos ? 1 : 0;
            }
        }
        run = child(args, false, dir + "/run.log");
    }
    producer.join();

    // Wait for every window and every dead letter: windows are out once the watermark passes
    // them, while the tail of the input (up to a window's worth) may still be being read.
    const auto deadline = clock_type::now() + 120s;
    std::map<std::string, std::vector<std::string>> by_key;
    std::map<std::string, std::size_t> letters; // dead letters by input coordinates
    std::size_t total = 0;
    while (clock_type::now() < deadline) {
        const std::vector<std::string> got = read_topic(bootstrap, "pulso.windows");
        by_key.clear();
        for (const std::string& w : got) {
            by_key[window_key(w)].push_back(w);
        }
        total = got.size();
        letters.clear();
        for (const std::string& d : read_topic(bootstrap, "pulso.dlq")) {
            const std::string coords = dead_letter_coords(d);
            ASSERT_NE(coords, "") << d;
            ++letters[coords];
        }
        if (by_key.size() >= expected.size() && letters.size() >= in.bad) {
            break;
        }
        std::this_thread::sleep_for(1s);
    }
    run.signal(SIGTERM);
    EXPECT_EQ(run.wait(20s), 0);

    std::set<std::string> unique;
    std::size_t repeats = 0;
    for (const auto& [key, records] : by_key) {
        for (const std::string& r : records) {
            EXPECT_TRUE(r == records.front()) << "a repeat of " << key << " differs";
        }
        repeats += records.size() - 1;
        unique.insert(records.front());
    }
    std::printf("%d kills: %zu window records, %zu distinct, %zu repeat(s) "
                "(published before a crash, not yet committed)\n",
                kills, total, unique.size(), repeats);
    // Every bad record dead-lettered, nothing else; a repeat only for a letter a kill caught
    // between its delivery and the next commit (~1 s), where before every letter between the
    // committed offset and the kill was sent again.
    std::size_t letter_repeats = 0;
    for (const auto& [coords, n] : letters) {
        letter_repeats += n - 1;
    }
    std::printf("%zu bad records: %zu distinct dead letters, %zu repeat(s)\n", in.bad,
                letters.size(), letter_repeats);
    EXPECT_EQ(letters.size(), in.bad);
    EXPECT_TRUE(nothing_dropped(bootstrap, "mentions", 4))
        << "the mock's retention dropped input: the test itself is invalid";
    EXPECT_EQ(diff_windows(unique, expected), "");
}

} // namespace
} // namespace pulso::itest
