#pragma once

#include "pulso/config/config.h"
#include "pulso/pipeline/stream_publisher.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace pulso::app {

/// How `run_service` runs (the parts of `pulso run` that are not in the config).
struct run_options {
    unsigned workers = 0; ///< 0: ingest.workers from the config, and 0 there: one per core
    bool progress = true; ///< a progress line on stderr every `progress_interval`
    std::chrono::milliseconds progress_interval{10000};
    std::chrono::milliseconds tick_interval{100};    ///< workers seal and report this often
    std::chrono::milliseconds commit_interval{1000}; ///< asynchronous commits this often
};

/// How a run ended.
struct run_result {
    int exit_code = 0; ///< 0 after a requested stop, 1 after a fatal error
    std::string error; ///< the fatal error, one line
    stream_publisher_stats stats;
    std::uint64_t dlq_records = 0;
    unsigned workers = 0;
};

/// The service of `pulso run` (DESIGN "Threads"): N ingest workers, each with its own
/// consumer in the group and a stream_worker, and one publisher thread with the Kafka sink,
/// until `stop` becomes true (then: stop consuming, seal nothing new, publish what is final,
/// flush, commit, close, within about 15 s) or a fatal Kafka error. Start-up errors throw.
/// Tests call it on threads of their own against an in-process broker.
/// @thread any (blocks the calling thread until the end)
run_result run_service(const config& cfg, const run_options& opts, const std::atomic<bool>& stop);

} // namespace pulso::app
