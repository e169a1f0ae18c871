#include "commands.h"
#include "pulso/kafka/embedded_broker.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

namespace pulso::app {
namespace {

struct broker_args {
    std::string config_path;
    int partitions = 4;
    int brokers = 1;
};

void run_broker(const broker_args& a) {
    if (a.partitions < 1 || a.brokers < 1) {
        throw usage_error("--partitions and --brokers must be at least 1");
    }
    const config cfg = a.config_path.empty() ? config{} : load_config_file(a.config_path);
    // stdout carries the bootstrap address only; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("broker"));
    spdlog::set_level(spdlog::level::warn);
    kafka::broker_options o;
    o.brokers = a.brokers;
    o.partitions = a.partitions;
    o.topics = {cfg.kafka.topic, cfg.sinks.windows_topic, cfg.sinks.trends_topic,
                cfg.sinks.alerts_topic, cfg.sinks.dlq_topic};
    const int rc = kafka::run_broker_process(o, std::cout);
    if (rc != 0) {
        std::exit(rc);
    }
}

} // namespace

void add_broker(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "broker", "A standalone embedded Kafka (librdkafka's mock cluster, the real protocol on "
                  "loopback) for development and tests: prints its bootstrap address as the "
                  "first line on stdout and runs until SIGTERM/SIGINT. Creates the config's "
                  "input and sink topics (defaults without --config).");
    auto a = std::make_shared<broker_args>();
    cmd->add_option("--config", a->config_path, "YAML config: topic names (CONTRACT §2)");
    cmd->add_option("--partitions", a->partitions, "Partitions of every topic (default 4)");
    cmd->add_option("--brokers", a->brokers, "Brokers in the cluster (default 1)");
    cmd->callback([a] { run_broker(*a); });
}

} // namespace pulso::app
