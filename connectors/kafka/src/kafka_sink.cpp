#include "pulso/kafka/kafka_sink.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace pulso::kafka {

namespace {
using clock_type = std::chrono::steady_clock;
constexpr std::chrono::milliseconds k_max_backoff{5000};
} // namespace

kafka_sink::kafka_sink(const producer_config& config, sink_topics topics,
                       std::chrono::milliseconds max_wait)
    : producer_(config), topics_(std::move(topics)), max_wait_(max_wait) {}

kafka_sink::~kafka_sink() {
    if (!all_delivered()) {
        (void)flush(std::chrono::milliseconds(2000));
    }
    if (!all_delivered()) {
        spdlog::warn("kafka sink: closing with {} records not delivered",
                     backlog_.size() + retry_.size() + producer_.queue_depth());
    }
}

const std::string& kafka_sink::topic_of(record_kind kind) const noexcept {
    switch (kind) {
    case record_kind::window:
        return topics_.windows;
    case record_kind::trend:
        return topics_.trends;
    case record_kind::alert:
        return topics_.alerts;
    case record_kind::dead_letter:
        break;
    }
    return topics_.dlq;
}

void kafka_sink::emit(record_kind kind, std::string_view key, std::string_view json) {
    ++stats_.emitted;
    const std::uint64_t seq = ++last_seq_;
    confirmed_.push_back(false);
    const std::string& topic = topic_of(kind);
    if (backlog_.empty()) {
        const auto deadline = clock_type::now() + max_wait_;
        for (;;) {
            const produce_result r = producer_.produce(topic, key, json, -1, seq);
            if (r == produce_result::ok) {
                return;
            }
            if (r == produce_result::failed || clock_type::now() >= deadline) {
                break; // refused or still full: keep it, never drop it
            }
            producer_.poll(10); // back-pressure: serve delivery reports, then retry
        }
    }
    ++stats_.backlogged;
    backlog_.push_back({topic, std::string(key), std::string(json), -1, seq});
}

void kafka_sink::drain_backlog() {
    while (!backlog_.empty()) {
        const waiting_record& w = backlog_.front();
        const produce_result r = producer_.produce(w.topic, w.key, w.value, w.partition, w.seq);
        if (r != produce_result::ok) {
            return; // full or refused: try again at the next service()
        }
        backlog_.pop_front();
    }
}

void kafka_sink::collect_failed() {
    for (failed_delivery& f : producer_.take_failed()) {
        ++stats_.failed;
        retry_.push_back(
            {std::move(f.topic), std::move(f.key), std::move(f.value), f.partition, f.tag});
    }
}

void kafka_sink::collect_delivered() {
    delivered_scratch_.clear();
    producer_.take_delivered(delivered_scratch_);
    for (const std::uint64_t seq : delivered_scratch_) {
        if (seq >= confirmed_base_ && seq - confirmed_base_ < confirmed_.size()) {
            confirmed_[seq - confirmed_base_] = true;
        }
    }
    while (!confirmed_.empty() && confirmed_.front()) {
        confirmed_.pop_front();
        ++confirmed_base_;
    }
}

void kafka_sink::service(int poll_timeout_ms) {
    producer_.poll(poll_timeout_ms);
    collect_failed();
    collect_delivered();
    if (!retry_.empty() && clock_type::now() >= next_retry_) {
        // Failed deliveries go again, after the backlog's older records keep their turn.
        stats_.retried += retry_.size();
        for (waiting_record& w : retry_) {
            backlog_.push_back(std::move(w));
        }
        retry_.clear();
        next_retry_ = clock_type::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, k_max_backoff);
        failed_at_retry_ = stats_.failed;
    } else if (retry_.empty() && stats_.failed == failed_at_retry_ &&
               clock_type::now() >= next_retry_ + backoff_) {
        backoff_ = std::chrono::milliseconds(100); // a quiet spell: the next failure is news
    }
    drain_backlog();
}

bool kafka_sink::all_delivered() const noexcept {
    // A failure report served by a poll but not yet taken is not delivered either.
    const producer_stats ps = producer_.stats();
    return backlog_.empty() && retry_.empty() && producer_.queue_depth() == 0 &&
           ps.failed_dropped == 0 && ps.failed == stats_.failed;
}

bool kafka_sink::flush(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        service(0);
        if (all_delivered()) {
            return true;
        }
        if (clock_type::now() >= deadline || producer_.has_fatal_error()) {
            return false;
        }
        if (producer_.queue_depth() != 0) {
            (void)producer_.flush(50);
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

kafka_sink_stats kafka_sink::stats() const noexcept {
    kafka_sink_stats s = stats_;
    s.waiting = backlog_.size() + retry_.size();
    return s;
}

} // namespace pulso::kafka
