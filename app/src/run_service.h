#pragma once

#include "pulso/config/config.h"
#include "pulso/pipeline/stream_publisher.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pulso::app {

/// What `run_service` tells its caller once it is up (topics read, HTTP bound, threads
/// started).
struct run_started {
    std::string http_address;    ///< `host:port` actually bound; empty when HTTP is off
    std::int32_t partitions = 0; ///< partitions of the input topic
    unsigned workers = 0;
};

/// How `run_service` runs (the parts of `pulso run` that are not in the config).
struct run_options {
    unsigned workers = 0; ///< 0: ingest.workers from the config, and 0 there: one per core
    bool progress = true; ///< a progress line on stderr every `progress_interval`
    std::string progress_name = "pulso run"; ///< prefix of the progress line
    std::chrono::milliseconds progress_interval{10000};
    std::chrono::milliseconds tick_interval{100};    ///< workers seal and report this often
    std::chrono::milliseconds commit_interval{1000}; ///< asynchronous commits this often
    /// Serve CONTRACT §7 on `cfg.http.listen` (metrics, probes, API, SSE, the live page).
    bool http = true;
    /// The config file, re-read by a live reload (SIGHUP, POST /-/reload); empty: no reload.
    std::string config_path;
    /// Set by a SIGHUP handler; the service clears it and reloads.
    std::atomic<bool>* reload_requested = nullptr;
    /// Called once on the calling thread when the service is up (before it blocks).
    std::function<void(const run_started&)> on_started;
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
/// consumer in the group and a stream_worker, one publisher thread with the Kafka sink, and
/// the HTTP server (connectors/http: its own I/O thread), until `stop` becomes true (then:
/// stop consuming, seal nothing new, publish what is final, flush, commit, close, within about
/// 15 s) or a fatal Kafka error. Start-up errors (Kafka handles, topic metadata, binding
/// `http.listen`) throw. Tests call it on threads of their own against an in-process broker.
/// @thread any (blocks the calling thread until the end)
run_result run_service(const config& cfg, const run_options& opts, const std::atomic<bool>& stop);

/// The Kafka key for one input line: the mention's `id` when the line is a JSON object with a
/// string `id` (so that re-sends of a mention meet on one partition, where dedupe runs), else
/// a hash of the whole line. Writes into `key` (cleared first). Used by HTTP ingest and the
/// demo's producer.
/// @thread any
void mention_key(std::string_view line, std::string& key);

} // namespace pulso::app
