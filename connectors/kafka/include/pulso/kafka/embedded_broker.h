#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::kafka {

/// Kafka protocol API keys, for fault injection with `embedded_broker::push_request_errors`.
enum class api_key : std::int16_t {
    produce = 0,
    fetch = 1,
    list_offsets = 2,
    metadata = 3,
    offset_commit = 8,
    offset_fetch = 9,
    find_coordinator = 10,
    join_group = 11,
    heartbeat = 12,
    leave_group = 13,
    sync_group = 14,
    init_producer_id = 22,
};

/// An in-process Kafka cluster: librdkafka's mock cluster, the real wire protocol on loopback.
/// Other processes (kcat, a `pulso run`) can connect to `bootstrap_servers()`.
///
/// Limits of the mock (librdkafka 2.0.2): each partition keeps only about the last 5 MiB or
/// 100,000 messages and silently drops older ones; no CreateTopics (use `create_topic`), no
/// TLS/SASL. Broker ids are 1..K.
///
/// Lifecycle: the constructor starts the cluster (its own thread serves the network), the
/// destructor stops it and drops every message. Owned by one test, benchmark or process.
/// @thread any: every method forwards to the mock's thread-safe C API.
class embedded_broker {
  public:
    /// Starts a cluster of `brokers` (≥ 1). Throws std::runtime_error when it cannot.
    explicit embedded_broker(int brokers = 1);
    ~embedded_broker();
    embedded_broker(const embedded_broker&) = delete;
    embedded_broker& operator=(const embedded_broker&) = delete;
    embedded_broker(embedded_broker&&) = delete;
    embedded_broker& operator=(embedded_broker&&) = delete;

    /// `127.0.0.1:PORT[,127.0.0.1:PORT…]`, one entry per broker.
    [[nodiscard]] const std::string& bootstrap_servers() const noexcept { return bootstrap_; }
    [[nodiscard]] int broker_count() const noexcept { return brokers_; }

    /// Creates a topic. Throws std::runtime_error on failure (e.g. replication > brokers).
    void create_topic(const std::string& name, int partitions, int replication = 1);

    /// Closes a broker's connections and refuses new ones until `set_broker_up`.
    [[nodiscard]] rd_kafka_resp_err_t set_broker_down(std::int32_t broker_id) noexcept;
    [[nodiscard]] rd_kafka_resp_err_t set_broker_up(std::int32_t broker_id) noexcept;
    /// Moves a partition's leadership to `broker_id`.
    [[nodiscard]] rd_kafka_resp_err_t set_partition_leader(const std::string& topic,
                                                           std::int32_t partition,
                                                           std::int32_t broker_id) noexcept;
    /// Queues errors returned, one per request, to the next requests of `api` (any broker).
    void push_request_errors(api_key api, std::span<const rd_kafka_resp_err_t> errors) noexcept;
    /// Drops the queued errors of `api`.
    void clear_request_errors(api_key api) noexcept;
    /// Adds `rtt_ms` of latency to every response of a broker.
    [[nodiscard]] rd_kafka_resp_err_t set_rtt(std::int32_t broker_id, int rtt_ms) noexcept;

    /// The mock cluster, for the fault injection calls not wrapped here.
    [[nodiscard]] rd_kafka_mock_cluster_t* c_ptr() noexcept { return cluster_; }

  private:
    rd_kafka_t* host_ = nullptr; // the mock cluster needs a client handle to live in
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstrap_;
    int brokers_ = 0;
};

/// Options of a standalone broker process (`pulso broker`).
struct broker_options {
    int brokers = 1;
    int partitions = 4;              ///< partitions of every topic in `topics`
    std::vector<std::string> topics; ///< created at start
};

/// Runs an embedded broker until SIGTERM or SIGINT: starts the cluster, creates the topics,
/// writes the bootstrap address as the first line of `out` (flushed), then blocks in sigwait
/// (SIGTERM and SIGINT are blocked in the calling thread first; call this before starting other
/// threads, or block them there too, so the signal reaches this thread). Returns 0 after a
/// signal; throws std::runtime_error on a start-up failure. Logs go to spdlog, so a caller that
/// writes `out` to stdout must point spdlog at stderr.
/// @thread main
int run_broker_process(const broker_options& options, std::ostream& out);

} // namespace pulso::kafka
