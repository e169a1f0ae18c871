#include "rk_util.h"

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>

namespace pulso::kafka::detail {

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
    std::array<char, 512> err{};
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
        throw std::invalid_argument("kafka property '" + key + "': " + err.data());
    }
}

void set_properties(rd_kafka_conf_t* conf, const kafka_properties& props) {
    for (const auto& [key, value] : props) {
        set_property(conf, key, value);
    }
}

namespace {

// Called from librdkafka's internal threads: must not throw.
void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) noexcept {
    try {
        // syslog levels: 0 emerg .. 3 err, 4 warning, 5 notice, 6 info, 7 debug.
        spdlog::level::level_enum lvl = spdlog::level::debug;
        if (level <= 3) {
            lvl = spdlog::level::err;
        } else if (level == 4) {
            lvl = spdlog::level::warn;
        } else if (level <= 6) {
            lvl = spdlog::level::info;
        }
        spdlog::log(lvl, "librdkafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "-", fac, buf);
    } catch (...) { // NOLINT(bugprone-empty-catch): a log line is not worth a crash in a C callback
    }
}

} // namespace

void install_log_cb(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_log_cb(conf, log_cb);
}

bool is_fatal_error(rd_kafka_resp_err_t err) noexcept {
    switch (err) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        return true;
    default:
        return false;
    }
}

bool rate_limiter::allow(std::uint64_t& suppressed) noexcept {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t next = next_ns_.load(std::memory_order_relaxed);
    if (now < next ||
        !next_ns_.compare_exchange_strong(next, now + interval_ns_, std::memory_order_relaxed)) {
        held_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    suppressed = held_.exchange(0, std::memory_order_relaxed);
    return true;
}

} // namespace pulso::kafka::detail
