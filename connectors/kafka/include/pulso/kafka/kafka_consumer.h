#pragma once

#include "pulso/kafka/properties.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pulso::kafka {

/// One consumed message. A view: `key` and `value` are valid only during the callback.
struct kafka_record {
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::string_view key;
    std::string_view value;
    std::int64_t timestamp_ms = -1; ///< -1 when the message carries none
};

/// A partition newly assigned to this consumer, with what the group had committed for it.
struct assigned_partition {
    std::int32_t partition = 0;
    std::int64_t committed_offset = -1; ///< the next offset to read; -1: nothing committed
    std::string committed_metadata;     ///< the metadata of that commit ("" when none)
};

/// An offset to commit: `offset` is the next offset to read (Kafka's convention), `metadata`
/// travels with it (e.g. the last published watermark) and comes back in `assigned_partition`.
struct partition_offset {
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::string metadata;
};

/// Consumer lag of one assigned partition, from local state (no broker round trip).
struct partition_lag {
    std::int32_t partition = 0;
    std::int64_t position = -1;       ///< next offset the application will see; -1 unknown
    std::int64_t high_watermark = -1; ///< last high watermark seen by the fetcher; -1 unknown
    std::int64_t lag = -1;            ///< high_watermark - position, or -1 when either unknown
};

/// Counters of one consumer. Written by its poll thread, readable from any thread.
struct consumer_stats {
    std::uint64_t records = 0;          ///< records handed to the callback
    std::uint64_t bytes = 0;            ///< their value bytes
    std::uint64_t retriable_errors = 0; ///< errors librdkafka recovers from (logged, rate-limited)
    std::uint64_t commits = 0;          ///< successful commit requests
    std::uint64_t commit_failures = 0;  ///< failed commit requests (sync or async)
    std::uint64_t assigned = 0;         ///< partitions assigned over the consumer's life
    std::uint64_t revoked = 0;          ///< partitions revoked cleanly
    std::uint64_t lost = 0;             ///< partitions lost (revoked without a chance to commit)
};

/// Hears about partitions coming and going. Called on the consumer's poll thread, from inside
/// `kafka_consumer::poll` (or from the closing thread inside `kafka_consumer::close`, while the
/// poll thread waits in `close`), so it needs no locks against the poll callback. An exception
/// thrown here is caught and turned into the consumer's fatal error.
class rebalance_listener {
  public:
    virtual ~rebalance_listener() = default;

    /// Partitions added to this consumer's assignment. Their records have not been delivered yet;
    /// they will start at `committed_offset` (or by `auto.offset.reset` when -1).
    virtual void on_assigned(std::span<const assigned_partition> partitions) = 0;

    /// Partitions leaving this consumer. When `lost` is false, the returned offsets are committed
    /// synchronously before the partitions are released; when `lost` is true (the group moved on
    /// without us) the return value is ignored: another member may already own them.
    virtual std::vector<partition_offset> on_revoked(std::span<const std::int32_t> partitions,
                                                     bool lost) = 0;
};

/// Configuration of one consumer.
struct consumer_config {
    std::string bootstrap_servers;
    std::string group_id;
    std::string client_id = "pulso";
    /// librdkafka properties, verbatim, applied over the defaults
    /// (`partition.assignment.strategy=cooperative-sticky`, `auto.offset.reset=earliest`).
    /// `enable.auto.commit` and `enable.auto.offset.store` must stay false: offsets are pulso's.
    kafka_properties properties;
    std::size_t max_batch = 1024;     ///< records per `poll` call at most
    int committed_timeout_ms = 10000; ///< budget to read committed offsets on assignment
};

/// One consumer of one topic in a consumer group, with manual offsets.
///
/// Lifecycle: construct (throws std::invalid_argument / std::runtime_error on a bad config),
/// `subscribe`, then `poll` in a loop on one thread; `close` (or the destructor) leaves the group.
/// The listener must outlive the consumer (or its `close`).
/// @thread poll: every method except `stats`, `has_fatal_error` and `fatal_error` (@thread any)
/// must be called from the one thread that polls.
class kafka_consumer {
  public:
    kafka_consumer(const consumer_config& config, rebalance_listener* listener);
    /// Closes with a 10 s bound if `close` was not called.
    ~kafka_consumer();
    kafka_consumer(const kafka_consumer&) = delete;
    kafka_consumer& operator=(const kafka_consumer&) = delete;
    kafka_consumer(kafka_consumer&&) = delete;
    kafka_consumer& operator=(kafka_consumer&&) = delete;

    /// Joins the group on `topic`. Throws std::runtime_error on failure (start-up error).
    void subscribe(const std::string& topic);

    /// Waits up to `timeout_ms` for the first record, then takes what is already fetched, up to
    /// `max_batch`, calling `on_record(const kafka_record&)` for each in partition order.
    /// Rebalance, error and commit callbacks are served here too. Returns the records delivered.
    /// Uses `rd_kafka_consumer_poll` only (the batch calls lose messages in 2.0.2).
    template <class F> std::size_t poll(int timeout_ms, F&& on_record) {
        return poll_impl(
            timeout_ms,
            [](void* ctx, const kafka_record& r) {
                (*static_cast<std::remove_reference_t<F>*>(ctx))(r);
            },
            const_cast<void*>(static_cast<const void*>(std::addressof(on_record))));
    }

    /// Commits offsets of this consumer's topic. Sync: waits and returns the first error
    /// (whole request or any partition). Async: returns whether the request was queued; its
    /// outcome is counted in `stats()` when a later `poll` serves it.
    [[nodiscard]] rd_kafka_resp_err_t commit(std::span<const partition_offset> offsets, bool async);
    /// Commits and waits at most `timeout` for the group coordinator's answer (a sync commit
    /// would wait for the session timeout when the coordinator is unreachable). Returns the
    /// first error, or RD_KAFKA_RESP_ERR__TIMED_OUT when no answer came in time (the request
    /// may still complete later). For the final commit at shutdown.
    [[nodiscard]] rd_kafka_resp_err_t commit_within(std::span<const partition_offset> offsets,
                                                    std::chrono::milliseconds timeout);

    /// Moves an assigned partition's fetch position. Asynchronous (2.0.2's seek timeout is
    /// broken), so records already fetched may still arrive once: filter on offset if it matters.
    [[nodiscard]] rd_kafka_resp_err_t seek(std::int32_t partition, std::int64_t offset);

    /// Stops / restarts fetching of assigned partitions (back-pressure). Keep polling while
    /// paused: that keeps the membership alive. A revoke clears the pause.
    [[nodiscard]] rd_kafka_resp_err_t pause(std::span<const std::int32_t> partitions);
    [[nodiscard]] rd_kafka_resp_err_t resume(std::span<const std::int32_t> partitions);

    /// The partitions currently assigned, ascending.
    [[nodiscard]] std::vector<std::int32_t> assignment() const;
    /// Lag per assigned partition from the fetcher's cached high watermark and our position.
    [[nodiscard]] std::vector<partition_lag> lag() const;

    /// Leaves the group (revoking through the listener, so it can commit) and destroys the handle.
    /// Bounded: runs on a helper thread; if it has not finished within `timeout` (2.0.2 can hang
    /// after a lost partition) it logs, stops calling the listener and leaks the handle.
    /// Returns true when closed cleanly. Idempotent.
    bool close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// A fatal error (librdkafka fatal, authentication/authorisation, a listener exception,
    /// unreadable committed offsets) was seen: stop and shut down. Sticky. @thread any
    [[nodiscard]] bool has_fatal_error() const noexcept;
    /// Its description, "" when none. @thread any
    [[nodiscard]] std::string fatal_error() const;
    /// @thread any
    [[nodiscard]] consumer_stats stats() const noexcept;

    [[nodiscard]] const std::string& topic() const noexcept;
    /// The librdkafka handle (nullptr after close).
    [[nodiscard]] rd_kafka_t* c_ptr() const noexcept;

    struct state; // shared with the callbacks and a possibly abandoned closing thread

  private:
    using record_fn = void (*)(void* ctx, const kafka_record& record);
    std::size_t poll_impl(int timeout_ms, record_fn fn, void* ctx);

    std::shared_ptr<state> state_;
};

} // namespace pulso::kafka
