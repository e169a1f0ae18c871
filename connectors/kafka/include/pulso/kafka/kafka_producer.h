#pragma once

#include "pulso/kafka/properties.h"

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pulso::kafka {

/// Configuration of one producer.
struct producer_config {
    std::string bootstrap_servers;
    std::string client_id = "pulso";
    /// librdkafka properties, verbatim, applied over the defaults (`enable.idempotence=true`,
    /// `acks=all`, `queue.buffering.max.messages=100000`, `queue.buffering.max.kbytes=65536`).
    /// `enable.idempotence` and `acks` may not be weakened.
    kafka_properties properties;
    /// Failed deliveries kept (with their payload) for the caller to re-produce; beyond this,
    /// failures are only counted (`producer_stats::failed_dropped`).
    std::size_t max_failed_kept = 10000;
};

/// Outcome of `kafka_producer::produce`.
enum class produce_result : std::uint8_t {
    ok,         ///< queued; its delivery report comes through `poll`/`flush`
    queue_full, ///< local queue at its bound: `poll` (serve delivery reports) and retry
    failed,     ///< refused (unknown topic or partition, too large, fatal error): not queued
};

/// A message the cluster did not take, with its payload, so the caller can re-produce or fail.
struct failed_delivery {
    std::string topic;
    std::int32_t partition = -1;
    std::string key;
    std::string value;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::uint64_t tag = 0; ///< the tag it was produced with
};

/// Counters of one producer. @thread any
struct producer_stats {
    std::uint64_t produced = 0;       ///< accepted by `produce`
    std::uint64_t queue_full = 0;     ///< `produce` calls refused for a full queue
    std::uint64_t refused = 0;        ///< `produce` calls refused for another reason
    std::uint64_t delivered = 0;      ///< acknowledged by the cluster
    std::uint64_t failed = 0;         ///< delivery reports with an error
    std::uint64_t failed_dropped = 0; ///< failures past `max_failed_kept` (counted only)
};

/// An idempotent Kafka producer (acks=all, no duplicates or reordering from its own retries).
///
/// Lifecycle: construct (throws on a bad config), `produce` + `poll` in a loop, `flush` before
/// destruction: the destructor purges what is still queued and logs how many messages that
/// lost.
/// @thread owner: one thread calls everything except `stats`, `queue_depth`, `has_fatal_error`
/// and `fatal_error` (@thread any). Delivery reports run on the owner inside `poll`/`flush`.
class kafka_producer {
  public:
    explicit kafka_producer(const producer_config& config);
    ~kafka_producer();
    kafka_producer(const kafka_producer&) = delete;
    kafka_producer& operator=(const kafka_producer&) = delete;
    kafka_producer(kafka_producer&&) = delete;
    kafka_producer& operator=(kafka_producer&&) = delete;

    /// Queues a copy of `key`/`value` (empty key: no key) for `topic`; `partition` -1 lets the
    /// partitioner choose by key. A non-zero `tag` comes back from `take_delivered` once the
    /// cluster acknowledged the message (or with its `failed_delivery`). Never blocks, never
    /// throws.
    [[nodiscard]] produce_result produce(std::string_view topic, std::string_view key,
                                         std::string_view value, std::int32_t partition = -1,
                                         std::uint64_t tag = 0) noexcept;

    /// Serves delivery reports and errors, waiting up to `timeout_ms`. Returns events served.
    int poll(int timeout_ms) noexcept;

    /// Waits until every queued message has its delivery report or `timeout_ms` passes.
    /// True when the queue is empty.
    [[nodiscard]] bool flush(int timeout_ms) noexcept;

    /// Messages queued or in flight (rd_kafka_outq_len). @thread any
    [[nodiscard]] std::size_t queue_depth() const noexcept;

    /// Takes the failed deliveries kept so far (oldest first).
    [[nodiscard]] std::vector<failed_delivery> take_failed();
    /// Appends to `out` the non-zero tags of the messages acknowledged since the last call, in
    /// the order of their delivery reports.
    void take_delivered(std::vector<std::uint64_t>& out);

    /// @thread any
    [[nodiscard]] producer_stats stats() const noexcept;
    /// An idempotence or authentication failure made the producer unusable. Sticky. @thread any
    [[nodiscard]] bool has_fatal_error() const noexcept;
    [[nodiscard]] std::string fatal_error() const;

    [[nodiscard]] rd_kafka_t* c_ptr() const noexcept;

    struct state;

  private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unique_ptr<state> state_;
    // Topic handles by name; looked up without allocating (heterogeneous lookup).
    std::unordered_map<std::string, rd_kafka_topic_t*, string_hash, std::equal_to<>> topics_;
};

} // namespace pulso::kafka
