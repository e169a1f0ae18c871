#include "pulso/kafka/embedded_broker.h"

#include "rk_util.h"

#include <spdlog/spdlog.h>

#include <array>
#include <csignal>
#include <ostream>
#include <stdexcept>

namespace pulso::kafka {

embedded_broker::embedded_broker(int brokers) : brokers_(brokers) {
    if (brokers < 1) {
        throw std::invalid_argument("embedded_broker: brokers must be >= 1");
    }
    detail::conf_ptr conf(rd_kafka_conf_new());
    detail::install_log_cb(conf.get());
    detail::set_property(conf.get(), "client.id", "pulso-embedded-broker");
    std::array<char, 512> err{};
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err.data(), err.size());
    if (host_ == nullptr) {
        throw std::runtime_error(std::string("embedded_broker: rd_kafka_new: ") + err.data());
    }
    (void)conf.release(); // owned by host_ now
    cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
    if (cluster_ == nullptr) {
        rd_kafka_destroy(host_);
        throw std::runtime_error("embedded_broker: rd_kafka_mock_cluster_new failed");
    }
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

embedded_broker::~embedded_broker() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
}

void embedded_broker::create_topic(const std::string& name, int partitions, int replication) {
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded_broker: create topic '" + name +
                                 "': " + rd_kafka_err2str(err));
    }
}

rd_kafka_resp_err_t embedded_broker::set_broker_down(std::int32_t broker_id) noexcept {
    return rd_kafka_mock_broker_set_down(cluster_, broker_id);
}

rd_kafka_resp_err_t embedded_broker::set_broker_up(std::int32_t broker_id) noexcept {
    return rd_kafka_mock_broker_set_up(cluster_, broker_id);
}

rd_kafka_resp_err_t embedded_broker::set_partition_leader(const std::string& topic,
                                                          std::int32_t partition,
                                                          std::int32_t broker_id) noexcept {
    return rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id);
}

void embedded_broker::push_request_errors(api_key api,
                                          std::span<const rd_kafka_resp_err_t> errors) noexcept {
    rd_kafka_mock_push_request_errors_array(cluster_, static_cast<std::int16_t>(api), errors.size(),
                                            errors.data());
}

void embedded_broker::clear_request_errors(api_key api) noexcept {
    rd_kafka_mock_clear_request_errors(cluster_, static_cast<std::int16_t>(api));
}

rd_kafka_resp_err_t embedded_broker::set_rtt(std::int32_t broker_id, int rtt_ms) noexcept {
    return rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms);
}

int run_broker_process(const broker_options& options, std::ostream& out) {
    // Block first so that every thread started below inherits the mask and the signal can only
    // be taken by sigwait here.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigset_t previous;
    if (pthread_sigmask(SIG_BLOCK, &signals, &previous) != 0) {
        throw std::runtime_error("broker: pthread_sigmask failed");
    }
    int received = 0;
    {
        embedded_broker broker(options.brokers);
        for (const std::string& topic : options.topics) {
            broker.create_topic(topic, options.partitions);
        }
        out << broker.bootstrap_servers() << '\n' << std::flush;
        spdlog::info("embedded broker: {} broker(s) at {}, {} topic(s) with {} partitions",
                     options.brokers, broker.bootstrap_servers(), options.topics.size(),
                     options.partitions);
        while (sigwait(&signals, &received) != 0) {
        }
        spdlog::info("embedded broker: signal {} received, stopping", received);
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 0;
}

} // namespace pulso::kafka
