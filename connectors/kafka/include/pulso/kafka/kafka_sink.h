#pragma once

#include "pulso/kafka/kafka_producer.h"
#include "pulso/pipeline/record_sink.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace pulso::kafka {

/// The Kafka topics of the sinks (CONTRACT §2 `sinks:`).
struct sink_topics {
    std::string windows = "pulso.windows";
    std::string trends = "pulso.trends";
    std::string alerts = "pulso.alerts";
    std::string dlq = "pulso.dlq";
};

/// Counters of a kafka_sink. @thread owner
struct kafka_sink_stats {
    std::uint64_t emitted = 0;    ///< records handed to emit()
    std::uint64_t retried = 0;    ///< failed deliveries produced again
    std::uint64_t failed = 0;     ///< delivery reports with an error (each retried)
    std::uint64_t backlogged = 0; ///< emits that found the producer queue full past the wait
    std::size_t waiting = 0;      ///< records not yet accepted by the producer
};

/// A record_sink that produces every record to its topic with an idempotent producer
/// (CONTRACT §5; key: brand or scope; dead letters: "partition:offset"). Never drops a record:
/// a full producer queue is waited on (up to `max_wait`, polling: the caller's
/// back-pressure), then kept in a local backlog; failed deliveries are produced again with
/// exponential backoff and counted. `all_delivered()` / `flush()` say when everything emitted
/// so far is in Kafka.
///
/// Lifecycle: construct (throws on a bad producer config), emit + service in a loop, flush.
/// @thread owner: one thread calls everything (record_sink's "publisher" or "worker" side).
class kafka_sink final : public record_sink {
  public:
    kafka_sink(const producer_config& config, sink_topics topics,
               std::chrono::milliseconds max_wait = std::chrono::milliseconds(1000));
    ~kafka_sink() override;
    kafka_sink(const kafka_sink&) = delete;
    kafka_sink& operator=(const kafka_sink&) = delete;

    void emit(record_kind kind, std::string_view key, std::string_view json) override;

    /// Serves delivery reports, re-produces failures whose backoff passed and the backlog.
    void service(int poll_timeout_ms = 0);
    /// Nothing waits locally, nothing is in flight and no failure awaits a retry.
    [[nodiscard]] bool all_delivered() const noexcept;
    /// Records are numbered 1, 2, … in the order of emit(): every record up to this number is
    /// delivered (0: none yet). Advances while later records are still in flight, as the
    /// delivery reports come in (service()).
    [[nodiscard]] std::uint64_t delivered_through() const noexcept { return confirmed_base_ - 1; }
    /// The number of the last emit() (0: none).
    [[nodiscard]] std::uint64_t emitted_through() const noexcept { return last_seq_; }
    /// Services until all_delivered() or the timeout. Returns all_delivered().
    [[nodiscard]] bool flush(std::chrono::milliseconds timeout);

    [[nodiscard]] kafka_sink_stats stats() const noexcept;
    [[nodiscard]] kafka_producer& producer() noexcept { return producer_; }
    [[nodiscard]] const sink_topics& topics() const noexcept { return topics_; }

  private:
    struct waiting_record {
        std::string topic;
        std::string key;
        std::string value;
        std::int32_t partition = -1;
        std::uint64_t seq = 0;
    };
    [[nodiscard]] const std::string& topic_of(record_kind kind) const noexcept;
    void drain_backlog();
    void collect_failed();
    void collect_delivered();

    kafka_producer producer_;
    sink_topics topics_;
    std::chrono::milliseconds max_wait_;
    std::deque<waiting_record> backlog_; ///< not yet accepted by the producer, in order
    std::deque<waiting_record> retry_;   ///< failed, to be produced again after backoff
    std::chrono::steady_clock::time_point next_retry_{};
    std::chrono::milliseconds backoff_{100};
    std::uint64_t failed_at_retry_ = 0;
    kafka_sink_stats stats_;
    std::uint64_t last_seq_ = 0;
    /// Delivery flags of records confirmed_base_, confirmed_base_ + 1, …: the front is always
    /// undelivered (delivered records at the front are popped). One byte per record emitted
    /// since the oldest undelivered one.
    std::deque<bool> confirmed_;
    std::uint64_t confirmed_base_ = 1;
    std::vector<std::uint64_t> delivered_scratch_;
};

} // namespace pulso::kafka
