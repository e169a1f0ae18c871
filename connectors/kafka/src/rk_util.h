#pragma once

#include "pulso/kafka/properties.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace pulso::kafka::detail {

struct conf_deleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

struct tpl_deleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const noexcept {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
using tpl_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, tpl_deleter>;

struct error_deleter {
    void operator()(rd_kafka_error_t* e) const noexcept { rd_kafka_error_destroy(e); }
};
using error_ptr = std::unique_ptr<rd_kafka_error_t, error_deleter>;

/// Sets one property; throws std::invalid_argument naming the key on a bad name or value
/// (a start-up error).
void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

/// Applies `props` in order.
void set_properties(rd_kafka_conf_t* conf, const kafka_properties& props);

/// Routes librdkafka's log lines (emitted from its internal threads) to spdlog.
void install_log_cb(rd_kafka_conf_t* conf);

/// True for errors after which a client cannot do useful work: librdkafka's own fatal error,
/// and authentication/authorisation failures, which retrying will not cure.
[[nodiscard]] bool is_fatal_error(rd_kafka_resp_err_t err) noexcept;

/// Lets through at most one event per interval; counts the ones it holds back.
/// @thread any (lock-free; a race may let two events through in one interval, which is harmless)
class rate_limiter {
  public:
    explicit rate_limiter(std::chrono::milliseconds interval)
        : interval_ns_(interval.count() * 1000000) {}

    /// True when the caller may log now; `suppressed` gets the number held back since the last
    /// allowed event.
    [[nodiscard]] bool allow(std::uint64_t& suppressed) noexcept;

  private:
    std::int64_t interval_ns_;
    // relaxed: a best-effort throttle; no data is published through these.
    std::atomic<std::int64_t> next_ns_{0};
    std::atomic<std::uint64_t> held_{0};
};

/// Adds `value` to a counter that only one thread writes: a plain load+store, no locked RMW.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t value = 1) noexcept {
    // relaxed: a statistic read by scrapes; single writer, so load+store loses nothing.
    counter.store(counter.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

} // namespace pulso::kafka::detail
