#include "pulso/kafka/kafka_producer.h"

#include "rk_util.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>

namespace pulso::kafka {

using detail::bump;

struct kafka_producer::state {
    rd_kafka_t* rk = nullptr;
    std::size_t max_failed_kept = 10000;
    std::deque<failed_delivery> failed_list;   // owner thread only (delivery reports run there)
    std::vector<std::uint64_t> delivered_tags; // owner thread only

    // Written by the owner thread only; read by scrapes.
    std::atomic<std::uint64_t> produced{0};
    std::atomic<std::uint64_t> queue_full{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> failed_dropped{0};

    mutable std::mutex fatal_mu;
    std::string fatal;                  // @locks fatal_mu
    std::atomic<bool> has_fatal{false}; // release in set_fatal; pairs with acquire in readers

    detail::rate_limiter error_log{std::chrono::seconds(1)};

    void set_fatal(const std::string& what) noexcept {
        try {
            std::lock_guard lock(fatal_mu);
            if (fatal.empty()) {
                fatal = what;
                spdlog::error("kafka producer: fatal: {}", what);
            }
        } catch (...) { // NOLINT(bugprone-empty-catch): the flag below still records it
        }
        has_fatal.store(true, std::memory_order_release);
    }

    void log_rate_limited(const char* what, rd_kafka_resp_err_t err, const char* reason) noexcept {
        std::uint64_t suppressed = 0;
        if (error_log.allow(suppressed)) {
            try {
                spdlog::warn("kafka producer: {}: {} ({}); {} similar suppressed", what, reason,
                             rd_kafka_err2name(err), suppressed);
            } catch (...) { // NOLINT(bugprone-empty-catch): logging is best effort
            }
        }
    }
};

namespace {

using state = kafka_producer::state;

void dr_msg_cb(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) noexcept {
    auto* st = static_cast<state*>(opaque);
    const auto tag = reinterpret_cast<std::uintptr_t>(m->_private);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        bump(st->delivered);
        if (tag != 0) {
            try {
                st->delivered_tags.push_back(tag);
            } catch (...) { // NOLINT(bugprone-empty-catch): out of memory; the tag stays unknown
            }
        }
        return;
    }
    bump(st->failed);
    st->log_rate_limited("delivery failed", m->err, rd_kafka_err2str(m->err));
    if (st->failed_list.size() >= st->max_failed_kept) {
        bump(st->failed_dropped);
        return;
    }
    try {
        failed_delivery f;
        f.topic = rd_kafka_topic_name(m->rkt);
        f.partition = m->partition;
        if (m->key != nullptr) {
            f.key.assign(static_cast<const char*>(m->key), m->key_len);
        }
        if (m->payload != nullptr) {
            f.value.assign(static_cast<const char*>(m->payload), m->len);
        }
        f.error = m->err;
        f.tag = tag;
        st->failed_list.push_back(std::move(f));
    } catch (...) {
        bump(st->failed_dropped);
    }
}

void error_cb(rd_kafka_t* rk, int err_int, const char* reason, void* opaque) noexcept {
    auto* st = static_cast<state*>(opaque);
    const auto err = static_cast<rd_kafka_resp_err_t>(err_int);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        std::array<char, 512> buf{};
        const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf.data(), buf.size());
        try {
            st->set_fatal(std::string(rd_kafka_err2name(orig)) + ": " + buf.data());
        } catch (...) {
            st->set_fatal("fatal error");
        }
    } else if (detail::is_fatal_error(err)) {
        try {
            st->set_fatal(std::string(rd_kafka_err2name(err)) + ": " + reason);
        } catch (...) {
            st->set_fatal("fatal error");
        }
    } else {
        st->log_rate_limited("error", err, reason);
    }
}

} // namespace

kafka_producer::kafka_producer(const producer_config& config) : state_(std::make_unique<state>()) {
    if (config.bootstrap_servers.empty()) {
        throw std::invalid_argument("kafka producer: bootstrap servers are required");
    }
    for (const auto& [key, value] : config.properties) {
        if ((key == "enable.idempotence" && value != "true") ||
            ((key == "acks" || key == "request.required.acks") && value != "all" &&
             value != "-1")) {
            throw std::invalid_argument("kafka property '" + key +
                                        "' cannot be weakened: the producer is idempotent");
        }
    }
    state_->max_failed_kept = config.max_failed_kept;
    detail::conf_ptr conf(rd_kafka_conf_new());
    detail::install_log_cb(conf.get());
    detail::set_property(conf.get(), "bootstrap.servers", config.bootstrap_servers);
    detail::set_property(conf.get(), "client.id", config.client_id);
    detail::set_property(conf.get(), "enable.idempotence", "true");
    detail::set_property(conf.get(), "acks", "all");
    detail::set_property(conf.get(), "queue.buffering.max.messages", "100000");
    detail::set_property(conf.get(), "queue.buffering.max.kbytes", "65536");
    detail::set_properties(conf.get(), config.properties);
    rd_kafka_conf_set_opaque(conf.get(), state_.get());
    rd_kafka_conf_set_dr_msg_cb(conf.get(), dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf.get(), error_cb);
    std::array<char, 512> err{};
    state_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err.data(), err.size());
    if (state_->rk == nullptr) {
        throw std::runtime_error(std::string("kafka producer: ") + err.data());
    }
    (void)conf.release(); // owned by the handle now
}

kafka_producer::~kafka_producer() {
    rd_kafka_t* rk = state_->rk;
    // librdkafka's out-queue length also counts its own requests (metadata, offset queries)
    // and reports not served yet: serve those, and name only messages without a report.
    (void)rd_kafka_poll(rk, 0);
    if (rd_kafka_outq_len(rk) > 0) {
        const std::uint64_t reported = state_->delivered.load(std::memory_order_relaxed) +
                                       state_->failed.load(std::memory_order_relaxed);
        const std::uint64_t produced = state_->produced.load(std::memory_order_relaxed);
        if (produced > reported) {
            spdlog::warn("kafka producer: destroyed with {} message(s) undelivered; purging",
                         produced - reported);
        }
        (void)rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        (void)rd_kafka_flush(rk, 1000); // serve the purge's delivery reports
    }
    for (auto& [name, rkt] : topics_) {
        rd_kafka_topic_destroy(rkt);
    }
    rd_kafka_destroy(rk);
}

produce_result kafka_producer::produce(std::string_view topic, std::string_view key,
                                       std::string_view value, std::int32_t partition,
                                       std::uint64_t tag) noexcept {
    state& st = *state_;
    rd_kafka_topic_t* rkt = nullptr;
    if (auto it = topics_.find(topic); it != topics_.end()) {
        rkt = it->second;
    } else {
        try {
            std::string name(topic);
            rkt = rd_kafka_topic_new(st.rk, name.c_str(), nullptr);
            if (rkt == nullptr) {
                bump(st.refused);
                return produce_result::failed;
            }
            topics_.emplace(std::move(name), rkt);
        } catch (...) {
            if (rkt != nullptr) {
                rd_kafka_topic_destroy(rkt);
            }
            bump(st.refused);
            return produce_result::failed;
        }
    }
    // F_COPY: librdkafka keeps its own copy, so the caller's buffers are free on return. The
    // per-message opaque carries the tag as a number, never dereferenced.
    static_assert(sizeof(std::uintptr_t) >= sizeof(std::uint64_t), "tags are 64-bit");
    void* const opaque = reinterpret_cast<void*>( // NOLINT(performance-no-int-to-ptr)
        static_cast<std::uintptr_t>(tag));
    const int rc =
        rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                         value.size(), key.empty() ? nullptr : key.data(), key.size(), opaque);
    if (rc == 0) {
        bump(st.produced);
        return produce_result::ok;
    }
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        bump(st.queue_full);
        return produce_result::queue_full;
    }
    bump(st.refused);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        error_cb(st.rk, err, "produce refused", &st);
    }
    st.log_rate_limited("produce refused", err, rd_kafka_err2str(err));
    return produce_result::failed;
}

int kafka_producer::poll(int timeout_ms) noexcept {
    return rd_kafka_poll(state_->rk, timeout_ms);
}

bool kafka_producer::flush(int timeout_ms) noexcept {
    return rd_kafka_flush(state_->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::size_t kafka_producer::queue_depth() const noexcept {
    const int n = rd_kafka_outq_len(state_->rk);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::vector<failed_delivery> kafka_producer::take_failed() {
    std::vector<failed_delivery> out(std::make_move_iterator(state_->failed_list.begin()),
                                     std::make_move_iterator(state_->failed_list.end()));
    state_->failed_list.clear();
    return out;
}

void kafka_producer::take_delivered(std::vector<std::uint64_t>& out) {
    out.insert(out.end(), state_->delivered_tags.begin(), state_->delivered_tags.end());
    state_->delivered_tags.clear();
}

producer_stats kafka_producer::stats() const noexcept {
    const state& st = *state_;
    producer_stats s;
    // relaxed: statistics, no ordering with other data needed.
    s.produced = st.produced.load(std::memory_order_relaxed);
    s.queue_full = st.queue_full.load(std::memory_order_relaxed);
    s.refused = st.refused.load(std::memory_order_relaxed);
    s.delivered = st.delivered.load(std::memory_order_relaxed);
    s.failed = st.failed.load(std::memory_order_relaxed);
    s.failed_dropped = st.failed_dropped.load(std::memory_order_relaxed);
    return s;
}

bool kafka_producer::has_fatal_error() const noexcept {
    return state_->has_fatal.load(std::memory_order_acquire);
}

std::string kafka_producer::fatal_error() const {
    std::lock_guard lock(state_->fatal_mu);
    return state_->fatal;
}

rd_kafka_t* kafka_producer::c_ptr() const noexcept {
    return state_->rk;
}

} // namespace pulso::kafka
