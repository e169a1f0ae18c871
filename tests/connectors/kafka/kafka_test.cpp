// Integration tests of connectors/kafka on librdkafka's mock cluster (in process, or as a separate
// process for the broker-process test). Group ids are fresh per test; timeouts are short.
// Assertions are invariants (nothing lost, nothing duplicated, who owns what), never timings.
#include "pulso/kafka/embedded_broker.h"
#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_producer.h"
#include "pulso/kafka/kafka_sink.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <poll.h>
#include <regex>
#include <set>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace pulso::kafka {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct quiet_logs {
    quiet_logs() {
        spdlog::set_default_logger(spdlog::stderr_color_mt("kafka_test"));
        // PULSO_KAFKA_DEBUG=cgrp,eos,... turns on librdkafka's debug contexts (and debug logs).
        spdlog::set_level(std::getenv("PULSO_KAFKA_DEBUG") != nullptr ? spdlog::level::debug
                                                                      : spdlog::level::warn);
    }
};
const quiet_logs k_quiet_logs;

std::string fresh_group(const std::string& what) {
    static std::atomic<int> counter{0};
    return "pulso-test-" + what + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + "-" +
           std::to_string(clock_type::now().time_since_epoch().count());
}

consumer_config make_consumer_config(const embedded_broker& broker, const std::string& group) {
    consumer_config c;
    c.bootstrap_servers = broker.bootstrap_servers();
    c.group_id = group;
    c.committed_timeout_ms = 5000;
    c.properties = {{"session.timeout.ms", "6000"},
                    {"heartbeat.interval.ms", "500"},
                    {"fetch.wait.max.ms", "50"}};
    if (const char* debug = std::getenv("PULSO_KAFKA_DEBUG")) {
        c.properties.emplace_back("debug", debug);
    }
    return c;
}

producer_config make_producer_config(const std::string& bootstrap) {
    producer_config c;
    c.bootstrap_servers = bootstrap;
    c.properties = {{"linger.ms", "5"}, {"retry.backoff.ms", "50"}};
    if (const char* debug = std::getenv("PULSO_KAFKA_DEBUG")) {
        c.properties.emplace_back("debug", debug);
    }
    return c;
}

/// Produces `n` keyed messages `value-<prefix>-<i>` with key `key-<prefix>-<i>`, applying
/// back-pressure on a full queue. Returns the values.
std::vector<std::string> produce_keyed(kafka_producer& producer, const std::string& topic, int n,
                                       const std::string& prefix) {
    std::vector<std::string> values;
    for (int i = 0; i < n; ++i) {
        const std::string key = "key-" + prefix + "-" + std::to_string(i);
        std::string value = "value-" + prefix + "-" + std::to_string(i);
        produce_result r = producer.produce(topic, key, value);
        while (r == produce_result::queue_full) {
            producer.poll(10);
            r = producer.produce(topic, key, value);
        }
        EXPECT_EQ(r, produce_result::ok);
        values.push_back(std::move(value));
    }
    return values;
}

/// Polls until `done()` or the deadline; returns whether `done()` became true.
bool poll_until(kafka_consumer& consumer, const std::function<void(const kafka_record&)>& on_record,
                const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (!done()) {
        if (clock_type::now() > deadline) {
            return false;
        }
        consumer.poll(100, on_record);
    }
    return true;
}

/// Records what the consumer is told; optionally returns offsets to commit on revoke.
class recording_listener : public rebalance_listener {
  public:
    void on_assigned(std::span<const assigned_partition> partitions) override {
        std::lock_guard lock(mu_);
        for (const assigned_partition& p : partitions) {
            owned_.insert(p.partition);
            assigned_log_.push_back(p);
        }
    }

    std::vector<partition_offset> on_revoked(std::span<const std::int32_t> partitions,
                                             bool lost) override {
        std::lock_guard lock(mu_);
        std::vector<partition_offset> out;
        for (const std::int32_t p : partitions) {
            owned_.erase(p);
            if (!lost && next_offset_.contains(p)) {
                out.push_back({p, next_offset_[p], "revoked"});
            }
        }
        if (lost) {
            ++lost_events_;
        }
        return out;
    }

    /// Remembers the next offset to commit for a partition if it is revoked.
    void consumed(std::int32_t partition, std::int64_t offset) {
        std::lock_guard lock(mu_);
        std::int64_t& next = next_offset_[partition];
        next = std::max(next, offset + 1);
    }

    std::set<std::int32_t> owned() const {
        std::lock_guard lock(mu_);
        return owned_;
    }
    std::vector<assigned_partition> assigned_log() const {
        std::lock_guard lock(mu_);
        return assigned_log_;
    }

  private:
    mutable std::mutex mu_;
    std::set<std::int32_t> owned_;
    std::vector<assigned_partition> assigned_log_;
    std::map<std::int32_t, std::int64_t> next_offset_;
    int lost_events_ = 0;
};

std::int64_t high_watermark_sum(rd_kafka_t* rk, const std::string& topic, int partitions) {
    std::int64_t sum = 0;
    for (int p = 0; p < partitions; ++p) {
        std::int64_t lo = -1;
        std::int64_t hi = -1;
        const rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000);
        EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(err);
        sum += hi;
    }
    return sum;
}

TEST(KafkaConsumer, ConsumesEveryProducedMessageExactlyOnce) {
    embedded_broker broker;
    broker.create_topic("t", 4);
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    const std::vector<std::string> values = produce_keyed(producer, "t", 2000, "a");
    ASSERT_TRUE(producer.flush(10000));
    ASSERT_EQ(producer.stats().delivered, 2000U);

    recording_listener listener;
    kafka_consumer consumer(make_consumer_config(broker, fresh_group("exact")), &listener);
    consumer.subscribe("t");
    std::set<std::pair<std::int32_t, std::int64_t>> coords;
    std::multiset<std::string> seen;
    std::size_t bad_keys = 0;
    std::size_t no_timestamp = 0;
    auto on_record = [&](const kafka_record& r) {
        coords.emplace(r.partition, r.offset);
        seen.emplace(r.value);
        // value-a-17 was produced with key key-a-17
        if (r.key != "key" + std::string(r.value.substr(5))) {
            ++bad_keys;
        }
        if (r.timestamp_ms <= 0) {
            ++no_timestamp;
        }
    };
    ASSERT_TRUE(poll_until(
        consumer, on_record, [&] { return seen.size() >= 2000; }, 30s))
        << "consumed " << seen.size();
    // A little longer: anything delivered twice would show now.
    poll_until(
        consumer, on_record, [] { return false; }, 500ms);

    EXPECT_EQ(seen.size(), 2000U);
    EXPECT_EQ(coords.size(), 2000U);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
              std::set<std::string>(values.begin(), values.end()));
    EXPECT_EQ(bad_keys, 0U);
    EXPECT_EQ(no_timestamp, 0U);
    // Offsets of each partition are 0..n-1, and the keys spread over all 4 partitions.
    std::map<std::int32_t, std::int64_t> per_partition;
    for (const auto& [p, off] : coords) {
        EXPECT_EQ(off, per_partition[p]) << "gap in partition " << p;
        per_partition[p] = off + 1;
    }
    EXPECT_EQ(per_partition.size(), 4U);
    EXPECT_EQ(consumer.assignment(), (std::vector<std::int32_t>{0, 1, 2, 3}));
    EXPECT_EQ(listener.owned(), (std::set<std::int32_t>{0, 1, 2, 3}));
    for (const assigned_partition& ap : listener.assigned_log()) {
        EXPECT_EQ(ap.committed_offset, -1) << "fresh group has no committed offset";
    }
    for (const partition_lag& l : consumer.lag()) {
        EXPECT_EQ(l.position, per_partition[l.partition]) << "partition " << l.partition;
        EXPECT_EQ(l.lag, 0) << "partition " << l.partition;
    }
    EXPECT_EQ(consumer.stats().records, 2000U);
    EXPECT_FALSE(consumer.has_fatal_error()) << consumer.fatal_error();

    // Back-pressure: a paused partition delivers nothing until resumed.
    const std::int32_t paused = 0;
    ASSERT_EQ(consumer.pause(std::span(&paused, 1)), RD_KAFKA_RESP_ERR_NO_ERROR);
    const std::vector<std::string> more = produce_keyed(producer, "t", 400, "b");
    ASSERT_TRUE(producer.flush(10000));
    const std::int64_t end_of_paused =
        high_watermark_sum(producer.c_ptr(), "t", 1); // partition 0 only
    const std::size_t expected_others =
        400 - static_cast<std::size_t>(end_of_paused - per_partition[0]);
    std::size_t from_paused = 0;
    std::size_t from_others = 0;
    auto count = [&](const kafka_record& r) {
        ++(r.partition == paused ? from_paused : from_others);
    };
    ASSERT_TRUE(poll_until(
        consumer, count, [&] { return from_others >= expected_others; }, 20s));
    poll_until(
        consumer, count, [] { return false; }, 1s);
    EXPECT_EQ(from_paused, 0U);
    EXPECT_EQ(from_others, expected_others);
    ASSERT_EQ(consumer.resume(std::span(&paused, 1)), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(poll_until(
        consumer, count, [&] { return from_paused + from_others >= 400; }, 20s));
    EXPECT_GT(from_paused, 0U);
    EXPECT_TRUE(consumer.close(10s));
}

TEST(KafkaConsumer, ResumesAtCommittedOffsetsWithMetadata) {
    embedded_broker broker;
    broker.create_topic("t", 4);
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    (void)produce_keyed(producer, "t", 400, "a");
    ASSERT_TRUE(producer.flush(10000));
    const std::string group = fresh_group("resume");
    // The mock delays a JoinGroup of a group that already had members by session.timeout.ms - 1 s
    // (and 2.0.2 joins twice): a shorter session keeps this test's two joins quick.
    consumer_config config = make_consumer_config(broker, group);
    config.properties.emplace_back("session.timeout.ms", "3000");

    std::vector<partition_offset> to_commit;
    {
        recording_listener listener;
        kafka_consumer first(config, &listener);
        first.subscribe("t");
        std::size_t n = 0;
        ASSERT_TRUE(poll_until(
            first, [&](const kafka_record&) { ++n; }, [&] { return n >= 400; }, 30s));
        for (std::int32_t p = 0; p < 4; ++p) {
            to_commit.push_back({p, 5 + p, "wm=1764129600000;p=" + std::to_string(p)});
        }
        // Partitions 0-1 synchronously, 2-3 asynchronously (outcome served by poll).
        const std::span<const partition_offset> all(to_commit);
        ASSERT_EQ(first.commit(all.first(2), false), RD_KAFKA_RESP_ERR_NO_ERROR);
        EXPECT_EQ(first.stats().commits, 1U);
        ASSERT_EQ(first.commit(all.last(2), true), RD_KAFKA_RESP_ERR_NO_ERROR);
        for (int i = 0; i < 50 && first.stats().commits < 2; ++i) {
            first.poll(20, [](const kafka_record&) {});
        }
        EXPECT_EQ(first.stats().commits, 2U);
        EXPECT_EQ(first.stats().commit_failures, 0U);
        EXPECT_TRUE(first.close(10s));
        EXPECT_FALSE(first.has_fatal_error()) << first.fatal_error();
    }

    recording_listener listener;
    kafka_consumer second(config, &listener);
    second.subscribe("t");
    std::map<std::int32_t, std::int64_t> first_offset;
    std::map<std::int32_t, std::int64_t> min_offset;
    ASSERT_TRUE(poll_until(
        second,
        [&](const kafka_record& r) {
            first_offset.try_emplace(r.partition, r.offset);
            auto [it, inserted] = min_offset.try_emplace(r.partition, r.offset);
            if (!inserted) {
                it->second = std::min(it->second, r.offset);
            }
        },
        [&] { return first_offset.size() == 4; }, 30s));
    for (const partition_offset& po : to_commit) {
        EXPECT_EQ(first_offset[po.partition], po.offset) << "partition " << po.partition;
        EXPECT_EQ(min_offset[po.partition], po.offset) << "partition " << po.partition;
    }
    const std::vector<assigned_partition> log = listener.assigned_log();
    ASSERT_EQ(log.size(), 4U);
    for (const assigned_partition& ap : log) {
        EXPECT_EQ(ap.committed_offset, 5 + ap.partition);
        EXPECT_EQ(ap.committed_metadata, "wm=1764129600000;p=" + std::to_string(ap.partition));
    }
    EXPECT_TRUE(second.close(10s));
}

/// A consumer polled by its own thread, as an ingest worker would.
struct threaded_consumer {
    recording_listener listener;
    kafka_consumer consumer;
    std::mutex mu;
    std::multiset<std::string> values; // @locks mu
    std::atomic<bool> stop{false};
    std::thread thread;

    threaded_consumer(const consumer_config& config, const std::string& topic)
        : consumer(config, &listener) {
        consumer.subscribe(topic);
        thread = std::thread([this] {
            while (!stop.load()) {
                consumer.poll(100, [this](const kafka_record& r) {
                    listener.consumed(r.partition, r.offset);
                    std::lock_guard lock(mu);
                    values.emplace(r.value);
                });
            }
            // Closed on its own thread: the revoke (and its commit) runs here.
            closed_cleanly = consumer.close(10s);
        });
    }
    void join() {
        stop = true;
        if (thread.joinable()) {
            thread.join();
        }
    }
    ~threaded_consumer() { join(); }
    std::set<std::string> distinct() {
        std::lock_guard lock(mu);
        return {values.begin(), values.end()};
    }
    bool closed_cleanly = false;
};

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (!cond()) {
        if (clock_type::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

TEST(KafkaConsumerGroup, TwoConsumersSplitPartitionsThenSurvivorOwnsAll) {
    embedded_broker broker;
    broker.create_topic("t", 4);
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    std::set<std::string> produced;
    auto produce_batch = [&](const std::string& prefix) {
        for (std::string& v : produce_keyed(producer, "t", 600, prefix)) {
            produced.insert(std::move(v));
        }
        ASSERT_TRUE(producer.flush(10000));
    };
    produce_batch("a");
    const std::string group = fresh_group("split");
    const consumer_config config = make_consumer_config(broker, group);

    threaded_consumer c1(config, "t");
    threaded_consumer c2(config, "t");
    // Cooperative-sticky: eventually both own a disjoint, non-empty share covering all 4.
    ASSERT_TRUE(eventually(
        [&] {
            const std::set<std::int32_t> a = c1.listener.owned();
            const std::set<std::int32_t> b = c2.listener.owned();
            std::set<std::int32_t> both = a;
            both.insert(b.begin(), b.end());
            return !a.empty() && !b.empty() && both.size() == 4 && a.size() + b.size() == 4;
        },
        40s))
        << "c1 owns " << c1.listener.owned().size() << ", c2 owns " << c2.listener.owned().size();
    produce_batch("b");
    auto union_covers_all = [&] {
        std::set<std::string> all = c1.distinct();
        const std::set<std::string> b = c2.distinct();
        all.insert(b.begin(), b.end());
        return all == produced;
    };
    ASSERT_TRUE(eventually(union_covers_all, 30s));

    c2.join(); // leaves the group; its revoke commits what it consumed
    EXPECT_TRUE(c2.closed_cleanly);
    produce_batch("c");
    ASSERT_TRUE(eventually(
        [&] {
            return c1.listener.owned() == std::set<std::int32_t>{0, 1, 2, 3};
        },
        40s))
        << "survivor owns " << c1.listener.owned().size();
    ASSERT_TRUE(eventually(union_covers_all, 30s)) << "a message was lost across the rebalance";
    EXPECT_FALSE(c1.consumer.has_fatal_error()) << c1.consumer.fatal_error();
    EXPECT_FALSE(c2.consumer.has_fatal_error()) << c2.consumer.fatal_error();
    EXPECT_GE(c2.consumer.stats().revoked + c2.consumer.stats().lost, 1U);
    c1.join();
    EXPECT_TRUE(c1.closed_cleanly);
}

/// Consumes a whole topic with a fresh group; returns every value seen (duplicates kept).
std::multiset<std::string> consume_all(const embedded_broker& broker, const std::string& topic,
                                       std::size_t expected) {
    recording_listener listener;
    kafka_consumer consumer(make_consumer_config(broker, fresh_group("read")), &listener);
    consumer.subscribe(topic);
    std::multiset<std::string> seen;
    auto on_record = [&](const kafka_record& r) { seen.emplace(r.value); };
    EXPECT_TRUE(poll_until(
        consumer, on_record, [&] { return seen.size() >= expected; }, 30s))
        << "consumed " << seen.size() << " of " << expected;
    poll_until(
        consumer, on_record, [] { return false; }, 500ms);
    EXPECT_TRUE(consumer.close(10s));
    return seen;
}

TEST(KafkaProducer, DeliversOnceThroughInjectedProduceErrors) {
    embedded_broker broker;
    broker.create_topic("t", 4);
    const std::vector<rd_kafka_resp_err_t> errors = {
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT};
    broker.push_request_errors(api_key::produce, errors);
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    const std::vector<std::string> values = produce_keyed(producer, "t", 1000, "a");
    ASSERT_TRUE(producer.flush(20000));
    const producer_stats s = producer.stats();
    EXPECT_EQ(s.delivered, 1000U);
    EXPECT_EQ(s.failed, 0U);
    EXPECT_TRUE(producer.take_failed().empty());
    EXPECT_EQ(high_watermark_sum(producer.c_ptr(), "t", 4), 1000) << "a message was stored twice";
    const std::multiset<std::string> seen = consume_all(broker, "t", 1000);
    EXPECT_EQ(seen.size(), 1000U);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
              std::set<std::string>(values.begin(), values.end()));
}

// librdkafka's out-queue also counts delivery reports not served yet (and its own requests): a
// producer destroyed with every message delivered must not warn that some were not, and one
// destroyed with messages the broker never got names exactly those. (Before, the first warned
// "6 message(s) undelivered" for its 5 delivered messages.)
TEST(KafkaProducer, WarnsAtDestructionOnlyAboutMessagesWithoutADeliveryReport) {
    // No client exists while the default logger is swapped (librdkafka's threads log into it):
    // the guard restores it after the clients below are gone, also when an assertion returns.
    const auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
    struct restore_logger {
        std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
        ~restore_logger() { spdlog::set_default_logger(previous); }
    } restore;
    auto captured = std::make_shared<spdlog::logger>("kafka_test_ring", ring);
    captured->set_level(spdlog::level::warn);
    spdlog::set_default_logger(captured);
    {
        embedded_broker broker(2);
        broker.create_topic("t", 1);
        ASSERT_EQ(broker.set_partition_leader("t", 0, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
        {
            kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
            produce_keyed(producer, "t", 5, "a"); // never polled: the reports stay queued
            const auto deadline = clock_type::now() + 10s;
            while (high_watermark_sum(producer.c_ptr(), "t", 1) < 5 &&
                   clock_type::now() < deadline) {
                std::this_thread::sleep_for(20ms);
            }
            ASSERT_EQ(high_watermark_sum(producer.c_ptr(), "t", 1), 5);
            EXPECT_GT(rd_kafka_outq_len(producer.c_ptr()), 0) << "reports not served yet";
        }
        ASSERT_EQ(broker.set_broker_down(1), RD_KAFKA_RESP_ERR_NO_ERROR);
        {
            kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
            produce_keyed(producer, "t", 3, "b"); // the leader is down: none can be delivered
        }
    }
    std::vector<std::string> warnings;
    for (const std::string& line : ring->last_formatted()) {
        if (line.find("undelivered") != std::string::npos) {
            warnings.push_back(line);
        }
    }
    ASSERT_EQ(warnings.size(), 1U) << (warnings.empty() ? "" : warnings[0]);
    EXPECT_NE(warnings[0].find("destroyed with 3 message(s) undelivered"), std::string::npos)
        << warnings[0];
}

// The sink numbers records in emit order and confirms the delivered prefix as delivery reports
// come in, while later records are still in flight: a worker's commits need not wait for its
// dead-letter producer to go idle.
TEST(KafkaSink, ConfirmsTheDeliveredPrefixWhileLaterRecordsAreInFlight) {
    embedded_broker broker;
    broker.create_topic("pulso.dlq", 4);
    kafka_sink sink(make_producer_config(broker.bootstrap_servers()), sink_topics{});
    std::uint64_t last = 0;
    std::size_t advanced_while_busy = 0;
    constexpr std::uint64_t n = 3000;
    for (std::uint64_t i = 1; i <= n; ++i) {
        sink.emit(record_kind::dead_letter, "0:" + std::to_string(i), "{}");
        EXPECT_EQ(sink.emitted_through(), i);
        sink.service(i % 16 == 0 ? 1 : 0);
        const std::uint64_t t = sink.delivered_through();
        EXPECT_GE(t, last) << "confirmations never go back";
        EXPECT_LE(t, i);
        if (t > last && !sink.all_delivered()) {
            ++advanced_while_busy;
        }
        last = t;
    }
    ASSERT_TRUE(sink.flush(20s));
    EXPECT_EQ(sink.delivered_through(), n);
    std::printf("the confirmed prefix advanced %zu times while records were in flight\n",
                advanced_while_busy);
    EXPECT_GT(advanced_while_busy, 0U);
}

// Deliveries that fail (here: timed out while every Produce request fails) are produced again
// with their number: the prefix stops at the first of them and passes once they are in.
TEST(KafkaSink, ConfirmedPrefixWaitsForFailedRecordsRetried) {
    embedded_broker broker;
    broker.create_topic("pulso.dlq", 1);
    producer_config pc = make_producer_config(broker.bootstrap_servers());
    pc.properties.emplace_back("message.timeout.ms", "300");
    kafka_sink sink(pc, sink_topics{});
    sink.emit(record_kind::dead_letter, "0:1", "{}");
    ASSERT_TRUE(sink.flush(10s));
    EXPECT_EQ(sink.delivered_through(), 1U);
    const std::vector<rd_kafka_resp_err_t> errors(40, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
    broker.push_request_errors(api_key::produce, errors);
    for (int i = 2; i <= 20; ++i) {
        sink.emit(record_kind::dead_letter, "0:" + std::to_string(i), "{}");
    }
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (sink.stats().failed == 0 && std::chrono::steady_clock::now() < deadline) {
        sink.service(10);
    }
    EXPECT_GT(sink.stats().failed, 0U) << "no delivery failed: the test did not test retries";
    EXPECT_LT(sink.delivered_through(), 20U);
    broker.clear_request_errors(api_key::produce);
    ASSERT_TRUE(sink.flush(20s));
    EXPECT_EQ(sink.delivered_through(), 20U);
    EXPECT_GT(sink.stats().retried, 0U);
}

TEST(KafkaConsumer, ResumesAfterBrokerDownThenUpWithoutLoss) {
    embedded_broker broker(3);
    broker.create_topic("t", 4);
    for (std::int32_t p = 0; p < 4; ++p) {
        ASSERT_EQ(broker.set_partition_leader("t", p, 1 + p % 3), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    producer_config pconfig = make_producer_config(broker.bootstrap_servers());
    pconfig.properties.emplace_back("reconnect.backoff.max.ms", "200");
    kafka_producer producer(pconfig);
    std::set<std::string> produced;
    for (std::string& v : produce_keyed(producer, "t", 400, "a")) {
        produced.insert(std::move(v));
    }
    ASSERT_TRUE(producer.flush(10000));

    recording_listener listener;
    consumer_config cconfig = make_consumer_config(broker, fresh_group("down"));
    cconfig.properties.emplace_back("reconnect.backoff.max.ms", "200");
    kafka_consumer consumer(cconfig, &listener);
    consumer.subscribe("t");
    std::set<std::string> seen;
    auto on_record = [&](const kafka_record& r) { seen.emplace(r.value); };
    ASSERT_TRUE(poll_until(
        consumer, on_record, [&] { return seen.size() >= 400; }, 30s));

    ASSERT_EQ(broker.set_broker_down(2), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (std::string& v : produce_keyed(producer, "t", 400, "b")) {
        produced.insert(std::move(v));
    }
    poll_until(
        consumer, on_record, [] { return false; }, 2s); // keep polling through the outage
    producer.poll(0);
    ASSERT_EQ(broker.set_broker_up(2), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(producer.flush(20000));
    EXPECT_EQ(producer.stats().delivered, 800U);
    EXPECT_EQ(producer.stats().failed, 0U);
    ASSERT_TRUE(poll_until(
        consumer, on_record, [&] { return seen == produced; }, 30s))
        << "seen " << seen.size() << " of " << produced.size();
    EXPECT_FALSE(consumer.has_fatal_error()) << consumer.fatal_error();
    EXPECT_TRUE(consumer.close(10s));
}

std::string kcat_path() {
    FILE* p = ::popen("command -v kcat", "r");
    if (p == nullptr) {
        return {};
    }
    char buf[512] = {};
    std::string out;
    if (std::fgets(buf, sizeof buf, p) != nullptr) {
        out = buf;
    }
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

TEST(KafkaInterop, KcatProducesWeConsumeWeProduceKcatReads) {
    const std::string kcat = kcat_path();
    ASSERT_FALSE(kcat.empty()) << "kcat is not on PATH: install it (scripts/setup.sh, apt kcat)";
    embedded_broker broker;
    broker.create_topic("from-kcat", 4);
    broker.create_topic("to-kcat", 4);

    // kcat -> us
    {
        const std::string cmd =
            kcat + " -P -b " + broker.bootstrap_servers() + " -t from-kcat -K: 2>&1";
        FILE* in = ::popen(cmd.c_str(), "w");
        ASSERT_NE(in, nullptr);
        for (int i = 0; i < 200; ++i) {
            std::fprintf(in, "kk%d:kv%d\n", i, i);
        }
        ASSERT_EQ(::pclose(in), 0) << cmd;
    }
    {
        recording_listener listener;
        kafka_consumer consumer(make_consumer_config(broker, fresh_group("kcat")), &listener);
        consumer.subscribe("from-kcat");
        std::map<std::string, std::string> seen;
        ASSERT_TRUE(poll_until(
            consumer, [&](const kafka_record& r) { seen.emplace(r.key, r.value); },
            [&] { return seen.size() >= 200; }, 30s))
            << "read " << seen.size() << " of kcat's 200";
        for (int i = 0; i < 200; ++i) {
            EXPECT_EQ(seen["kk" + std::to_string(i)], "kv" + std::to_string(i));
        }
        EXPECT_TRUE(consumer.close(10s));
    }

    // us -> kcat
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    std::set<std::string> expected;
    for (int i = 0; i < 200; ++i) {
        const std::string key = "pk" + std::to_string(i);
        const std::string value = "pv" + std::to_string(i);
        ASSERT_EQ(producer.produce("to-kcat", key, value), produce_result::ok);
        expected.insert(key + ":" + value);
    }
    ASSERT_TRUE(producer.flush(10000));
    const std::string cmd = kcat + " -C -b " + broker.bootstrap_servers() +
                            " -t to-kcat -e -o beginning -q -f '%k:%s\\n'";
    FILE* out = ::popen(cmd.c_str(), "r");
    ASSERT_NE(out, nullptr);
    std::set<std::string> lines;
    char buf[256];
    while (std::fgets(buf, sizeof buf, out) != nullptr) {
        std::string line(buf);
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
        }
        lines.insert(line);
    }
    EXPECT_EQ(::pclose(out), 0) << cmd;
    EXPECT_EQ(lines, expected);
}

TEST(KafkaBrokerProcess, PrintsBootstrapFirstAndStopsOnSigterm) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<std::string> args = {
        PULSO_KAFKA_TEST_BROKER, "--brokers", "2", "--partitions", "3", "alpha", "beta"};
    std::vector<char*> argv;
    for (std::string& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);

    std::string line;
    const auto deadline = clock_type::now() + 10s;
    while (line.find('\n') == std::string::npos && clock_type::now() < deadline) {
        pollfd pfd{fds[0], POLLIN, 0};
        if (::poll(&pfd, 1, 100) > 0) {
            char c[256];
            const ssize_t n = ::read(fds[0], c, sizeof c);
            if (n <= 0) {
                break;
            }
            line.append(c, static_cast<std::size_t>(n));
        }
    }
    const std::string first = line.substr(0, line.find('\n'));
    EXPECT_TRUE(std::regex_match(first, std::regex(R"(127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*)")))
        << "first line: '" << first << "'";

    if (!first.empty()) {
        kafka_producer producer(make_producer_config(first));
        (void)produce_keyed(producer, "beta", 30, "x");
        EXPECT_TRUE(producer.flush(10000));
        EXPECT_EQ(producer.stats().delivered, 30U);
        const rd_kafka_metadata_t* md = nullptr;
        rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer.c_ptr(), "alpha", nullptr);
        ASSERT_EQ(rd_kafka_metadata(producer.c_ptr(), 0, rkt, &md, 5000),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        ASSERT_EQ(md->topic_cnt, 1);
        EXPECT_EQ(md->topics[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
        EXPECT_EQ(md->topics[0].partition_cnt, 3);
        EXPECT_EQ(md->broker_cnt, 2);
        rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
    }

    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    int status = 0;
    pid_t waited = 0;
    const auto stop_deadline = clock_type::now() + 10s;
    while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 && clock_type::now() < stop_deadline) {
        std::this_thread::sleep_for(20ms);
    }
    if (waited == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "broker process did not stop on SIGTERM";
    }
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ::close(fds[0]);
}

TEST(KafkaClients, FatalErrorIsStickyAndReadable) {
    embedded_broker broker;
    kafka_producer producer(make_producer_config(broker.bootstrap_servers()));
    EXPECT_FALSE(producer.has_fatal_error());
    ASSERT_EQ(rd_kafka_test_fatal_error(producer.c_ptr(),
                                        RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                        "injected by test"),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < 20 && !producer.has_fatal_error(); ++i) {
        producer.poll(50);
    }
    EXPECT_TRUE(producer.has_fatal_error());
    EXPECT_NE(producer.fatal_error().find("injected by test"), std::string::npos)
        << producer.fatal_error();
    EXPECT_EQ(producer.produce("t", "k", "v"), produce_result::failed);

    recording_listener listener;
    kafka_consumer consumer(make_consumer_config(broker, fresh_group("fatal")), &listener);
    ASSERT_EQ(rd_kafka_test_fatal_error(consumer.c_ptr(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID,
                                        "fenced by test"),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < 20 && !consumer.has_fatal_error(); ++i) {
        consumer.poll(50, [](const kafka_record&) {});
    }
    EXPECT_TRUE(consumer.has_fatal_error());
    EXPECT_NE(consumer.fatal_error().find("fenced by test"), std::string::npos)
        << consumer.fatal_error();
    EXPECT_TRUE(consumer.close(5s));
}

TEST(KafkaClients, RejectPropertiesThatBreakDeliverySemantics) {
    embedded_broker broker;
    recording_listener listener;
    consumer_config c = make_consumer_config(broker, fresh_group("conf"));
    c.properties.emplace_back("enable.auto.commit", "true");
    EXPECT_THROW(kafka_consumer(c, &listener), std::invalid_argument);
    c = make_consumer_config(broker, fresh_group("conf"));
    c.properties.emplace_back("no.such.property", "1");
    EXPECT_THROW(kafka_consumer(c, &listener), std::invalid_argument);
    producer_config p = make_producer_config(broker.bootstrap_servers());
    p.properties.emplace_back("acks", "1");
    EXPECT_THROW(kafka_producer{p}, std::invalid_argument);
}

} // namespace
} // namespace pulso::kafka
