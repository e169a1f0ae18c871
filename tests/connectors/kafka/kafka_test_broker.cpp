// Test helper: `kafka_test_broker [--brokers K] [--partitions N] TOPIC...` runs an embedded broker
// process; its first stdout line is the bootstrap address.
#include "pulso/kafka/embedded_broker.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("stderr"));
    pulso::kafka::broker_options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--brokers" && i + 1 < argc) {
            options.brokers = std::atoi(argv[++i]);
        } else if (arg == "--partitions" && i + 1 < argc) {
            options.partitions = std::atoi(argv[++i]);
        } else {
            options.topics.push_back(arg);
        }
    }
    try {
        return pulso::kafka::run_broker_process(options, std::cout);
    } catch (const std::exception& e) {
        std::cerr << "kafka_test_broker: " << e.what() << '\n';
        return 1;
    }
}
