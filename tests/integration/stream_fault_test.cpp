// Broker faults under `pulso run` (the service on threads of this process, against the
// embedded broker in process so that its fault injection is at hand): request errors on
// Produce, Fetch and OffsetCommit, a broker down then up, partition leaders moving. No window
// is lost, none is counted twice (every record of a key is byte-identical to the one replay
// gives), and the consumer lag drains once the faults heal.
#include "harness.h"
#include "pulso/kafka/embedded_broker.h"
#include "run_service.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <thread>

namespace pulso::itest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using kafka::api_key;

struct quiet_logs {
    quiet_logs() {
        spdlog::set_default_logger(spdlog::stderr_color_mt("stream_fault_test"));
        spdlog::set_level(spdlog::level::critical);
    }
};
const quiet_logs k_quiet;

TEST(StreamFault, RequestErrorsBrokerDownAndLeaderChangesLoseNothing) {
    kafka::embedded_broker broker(3);
    for (const char* t :
         {"mentions", "pulso.windows", "pulso.trends", "pulso.alerts", "pulso.dlq"}) {
        broker.create_topic(t, 4, 3);
    }
    const std::string bootstrap = broker.bootstrap_servers();
    generator_options o;
    o.rate = 200;
    o.duration = 4 * 60'000;
    o.seed = 5;
    const generated in = generate(o);
    // A partition whose leader is down receives nothing, which is what idleness means
    // (CONTRACT §4): with the tests' usual 2 s idle timeout the others' watermark would pass
    // it and its mentions would arrive late, as the contract says. Faults here last ~3 s, but
    // on a loaded 2-core CI machine a partition's fetches can stall for more than 10 s after a
    // leader move (seen: 3,441 late mentions with 10 s), so idleness waits 30 s here.
    const std::string yaml = config_yaml(bootstrap, fresh_group("fault"), "", "30s");
    const config cfg = load_config_text(yaml, "test");
    const std::int64_t wm = in.max_event - cfg.watermark.max_out_of_order;
    std::set<std::string> expected;
    for (const std::string& w : replay_windows(cfg, in.lines)) {
        if (window_end(w) <= wm) {
            expected.insert(w);
        }
    }

    std::atomic<bool> stop{false};
    app::run_result result;
    app::run_options ro;
    ro.workers = 2;
    ro.progress = false;
    std::thread service([&] { result = app::run_service(cfg, ro, stop); });
    std::thread producer([&] { produce(bootstrap, "mentions", in.lines, 2000); });

    std::this_thread::sleep_for(5s);
    const std::array<rd_kafka_resp_err_t, 4> errs = {
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT};
    broker.push_request_errors(api_key::produce, errs);
    broker.push_request_errors(api_key::fetch, errs);
    const std::array<rd_kafka_resp_err_t, 3> commit_errs = {
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR};
    broker.push_request_errors(api_key::offset_commit, commit_errs);
    std::this_thread::sleep_for(3s);
    for (int p = 0; p < 4; ++p) {
        EXPECT_EQ(broker.set_partition_leader("mentions", p, 1 + (p + 1) % 3),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        EXPECT_EQ(broker.set_partition_leader("pulso.windows", p, 1 + (p + 2) % 3),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(broker.set_broker_down(2), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(broker.set_broker_up(2), RD_KAFKA_RESP_ERR_NO_ERROR);
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
    std::this_thread::sleep_for(2s); // a last lag report
    stop.store(true);
    service.join();

    EXPECT_EQ(result.exit_code, 0) << result.error;
    std::set<std::string> unique;
    std::size_t repeats = 0;
    for (const auto& [key, records] : by_key) {
        for (const std::string& r : records) {
            EXPECT_TRUE(r == records.front()) << "two different records for " << key;
        }
        repeats += records.size() - 1;
        unique.insert(records.front());
    }
    std::printf("%zu distinct window records, %zu repeat(s); %llu records ingested, lag %lld\n",
                unique.size(), repeats,
                static_cast<unsigned long long>(result.stats.ingest.ingested),
                static_cast<long long>(result.stats.lag));
    EXPECT_EQ(diff_windows(unique, expected), "");
    if (std::getenv("PULSO_TEST_DEBUG") != nullptr) {
        for (const std::string& w : unique) {
            if (!expected.contains(w)) {
                std::printf("got:  %.160s\n", w.c_str());
            }
        }
        for (const std::string& w : expected) {
            if (!unique.contains(w)) {
                std::printf("want: %.160s\n", w.c_str());
            }
        }
    }
    EXPECT_EQ(repeats, 0U) << "no crash, so nothing is published twice";
    EXPECT_GE(result.stats.ingest.ingested, in.lines.size());
    EXPECT_EQ(result.stats.ingest.late, 0U);
    EXPECT_EQ(result.stats.lag, 0) << "lag drains after the faults heal";
}

} // namespace
} // namespace pulso::itest
