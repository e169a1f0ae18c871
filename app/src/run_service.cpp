#include "run_service.h"

#include "pulso/detect/detector.h"
#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_sink.h"
#include "pulso/pipeline/replay_engine.h"
#include "pulso/pipeline/stream_worker.h"
#include "pulso/sentiment/lexicon_scorer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pulso::app {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

millis wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

kafka::kafka_properties properties_of(const config& cfg) {
    return {cfg.kafka.properties.begin(), cfg.kafka.properties.end()};
}

/// Producer settings: librdkafka warns about (and ignores) consumer-only properties, so the
/// group's own settings are left out.
kafka::producer_config producer_config_of(const config& cfg, const std::string& client_id) {
    kafka::producer_config pc;
    pc.bootstrap_servers = cfg.kafka.brokers;
    pc.client_id = client_id;
    for (const auto& [k, v] : cfg.kafka.properties) {
        if (k.starts_with("session.") || k.starts_with("heartbeat.") || k.starts_with("fetch.") ||
            k.starts_with("auto.") || k.starts_with("group.") || k.starts_with("max.poll.") ||
            k.starts_with("partition.assignment") || k.starts_with("enable.auto") ||
            k.starts_with("isolation.")) {
            continue;
        }
        pc.properties.emplace_back(k, v);
    }
    return pc;
}

/// The state the threads of one run share. Everything here is either immutable after start,
/// an atomic, or guarded by `error_mu`.
struct shared_run {
    const std::atomic<bool>& stop;
    std::atomic<bool> fatal{false};
    std::mutex error_mu;
    std::string error; // @locks error_mu
    std::atomic<unsigned> workers_done{0};
    std::atomic<bool> final_published{false};

    explicit shared_run(const std::atomic<bool>& s) : stop(s) {}

    [[nodiscard]] bool should_stop() const noexcept {
        // acquire: pairs with the release stores in fail() and the caller's stop flag.
        return stop.load(std::memory_order_acquire) || fatal.load(std::memory_order_acquire);
    }
    void fail(const std::string& what) {
        {
            std::lock_guard lock(error_mu);
            if (error.empty()) {
                error = what;
            }
        }
        // release: the error text is written before the flag is seen.
        fatal.store(true, std::memory_order_release);
    }
};

/// Forwards the consumer's rebalance events to the worker (on the worker's thread, or on the
/// consumer's closing thread while the worker thread waits in close()).
class worker_listener final : public kafka::rebalance_listener {
  public:
    explicit worker_listener(stream_worker& w) : w_(w) {}

    void on_assigned(std::span<const kafka::assigned_partition> parts) override {
        for (const kafka::assigned_partition& p : parts) {
            w_.on_assigned(p.partition, p.committed_offset, p.committed_metadata, wall_ms());
            spdlog::debug("worker {}: assigned partition {} at offset {} ({})", w_.id(),
                          p.partition, p.committed_offset, p.committed_metadata);
        }
        spdlog::info("worker {}: assigned {} partition(s)", w_.id(), parts.size());
        changed = true;
    }

    std::vector<kafka::partition_offset> on_revoked(std::span<const std::int32_t> parts,
                                                    bool lost) override {
        std::vector<kafka::partition_offset> out;
        for (const std::int32_t p : parts) {
            if (lost) {
                w_.on_lost(p);
                continue;
            }
            stream_offset o = w_.on_revoked(p);
            if (o.offset >= 0) {
                out.push_back({p, o.offset, std::move(o.metadata)});
            }
        }
        changed = true;
        return out;
    }

    bool changed = false;

  private:
    stream_worker& w_;
};

std::vector<kafka::partition_offset> to_kafka(std::vector<stream_offset>&& offs) {
    std::vector<kafka::partition_offset> out;
    out.reserve(offs.size());
    for (stream_offset& o : offs) {
        out.push_back({o.partition, o.offset, std::move(o.metadata)});
    }
    return out;
}

std::int64_t lag_of(const kafka::kafka_consumer& c) {
    std::int64_t sum = 0;
    for (const kafka::partition_lag& l : c.lag()) {
        if (l.lag < 0) {
            return -1;
        }
        sum += l.lag;
    }
    return sum;
}

struct worker_ctx {
    std::unique_ptr<kafka::kafka_sink> dlq;
    std::unique_ptr<stream_worker> worker;
    std::uint64_t dlq_records = 0;
};

void worker_main(const config& cfg, const run_options& ro, shared_run& sh, worker_ctx& ctx,
                 unsigned id) {
    stream_worker& w = *ctx.worker;
    kafka::kafka_sink& dlq = *ctx.dlq;
    worker_listener listener(w);
    kafka::consumer_config cc;
    cc.bootstrap_servers = cfg.kafka.brokers;
    cc.group_id = cfg.kafka.group;
    cc.client_id = "pulso-w" + std::to_string(id);
    cc.properties = properties_of(cfg);
    cc.max_batch = 1024;
    kafka::kafka_consumer consumer(cc, &listener);
    consumer.subscribe(cfg.kafka.topic);

    auto last_tick = clock_type::now();
    auto last_commit = last_tick;
    auto last_lag = last_tick;
    bool paused = false;
    std::vector<std::int32_t> assignment;
    auto on_record = [&w](millis now) {
        return [&w, now](const kafka::kafka_record& r) {
            w.on_record(r.partition, r.offset, r.value, now);
        };
    };
    while (!sh.should_stop()) {
        w.begin_batch();
        consumer.poll(100, on_record(wall_ms()));
        const auto now = clock_type::now();
        if (now - last_tick >= ro.tick_interval) {
            if (now - last_lag >= 1s) {
                w.set_lag(lag_of(consumer));
                last_lag = now;
            }
            (void)w.tick(wall_ms());
            last_tick = now;
        }
        dlq.service(0);
        if (dlq.all_delivered()) {
            w.dlq_delivered();
        }
        const bool bp = w.backpressured();
        if (bp && (!paused || listener.changed)) {
            // Sink or publisher behind: stop fetching but keep polling (membership stays).
            assignment = consumer.assignment();
            (void)consumer.pause(assignment);
            paused = true;
            listener.changed = false;
        } else if (!bp && paused) {
            assignment = consumer.assignment();
            (void)consumer.resume(assignment);
            paused = false;
        }
        if (now - last_commit >= ro.commit_interval) {
            const auto offs = to_kafka(w.committable());
            if (!offs.empty()) {
                (void)consumer.commit(offs, true);
            }
            last_commit = now;
        }
        if (consumer.has_fatal_error()) {
            sh.fail("kafka consumer: " + consumer.fatal_error());
        } else if (dlq.producer().has_fatal_error()) {
            sh.fail("kafka producer (dead letters): " + dlq.producer().fatal_error());
        }
    }

    // Shutdown: stop consuming, seal nothing new, hand over what waits, let the publisher
    // publish what is final, then commit behind it and leave the group.
    w.stop_sealing();
    (void)consumer.pause(consumer.assignment());
    const auto t0 = clock_type::now();
    const auto ignore = [](const kafka::kafka_record&) {};
    while (clock_type::now() - t0 < 3s) {
        (void)w.tick(wall_ms());
        if (!w.backpressured()) {
            break;
        }
        consumer.poll(10, ignore);
    }
    // release: everything this worker will ever push is in its ring; pairs with the acquire
    // in publisher_main.
    sh.workers_done.fetch_add(1, std::memory_order_release);
    // acquire: pairs with the release store of final_published after the sink's flush.
    while (!sh.final_published.load(std::memory_order_acquire) && clock_type::now() - t0 < 9s) {
        consumer.poll(50, ignore);
    }
    if (dlq.flush(2s)) {
        w.dlq_delivered();
    }
    ctx.dlq_records = dlq.stats().emitted;
    if (!consumer.has_fatal_error()) {
        const auto offs = to_kafka(w.committable());
        if (!offs.empty()) {
            const rd_kafka_resp_err_t err = consumer.commit(offs, false);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                spdlog::warn("worker {}: final commit failed: {}", id, rd_kafka_err2name(err));
            }
        }
    }
    if (!consumer.close(5s)) {
        spdlog::warn("worker {}: consumer close timed out", id);
    }
}

std::string format_wm(millis t) {
    return t == k_no_watermark ? std::string("-") : format_rfc3339(t);
}

void print_progress(const stream_publisher_stats& s, std::uint64_t prev_ingested, double secs) {
    const double rate =
        secs > 0 ? static_cast<double>(s.ingest.ingested - prev_ingested) / secs : 0.0;
    std::fprintf(stderr,
                 "pulso run: %.0f records/s, %llu records, %llu rejected, %llu late, lag %lld, "
                 "%llu windows published, watermark %s, published through %s\n",
                 rate, static_cast<unsigned long long>(s.ingest.ingested),
                 static_cast<unsigned long long>(s.ingest.rejected_total()),
                 static_cast<unsigned long long>(s.ingest.late), static_cast<long long>(s.lag),
                 static_cast<unsigned long long>(s.windows_published),
                 format_wm(s.global_wm).c_str(), format_wm(s.published_wm).c_str());
}

void publisher_main(const run_options& ro, shared_run& sh, stream_publisher& sp,
                    kafka::kafka_sink& sink, unsigned workers, stream_publisher_stats& final) {
    auto last_progress = clock_type::now();
    std::uint64_t prev_ingested = 0;
    clock_type::time_point stop_seen{};
    bool stopping = false;
    for (;;) {
        const std::size_t handled = sp.step();
        sink.service(handled != 0 ? 0 : 2);
        if (sink.all_delivered()) {
            sp.mark_delivered();
        }
        const auto now = clock_type::now();
        if (ro.progress && now - last_progress >= ro.progress_interval) {
            const stream_publisher_stats s = sp.stats();
            print_progress(s, prev_ingested,
                           std::chrono::duration<double>(now - last_progress).count());
            prev_ingested = s.ingest.ingested;
            last_progress = now;
        }
        if (sink.producer().has_fatal_error()) {
            sh.fail("kafka producer: " + sink.producer().fatal_error());
        }
        if (sh.should_stop() && !stopping) {
            stopping = true;
            stop_seen = now;
        }
        // acquire: pairs with each worker's release increment after its last push.
        if (stopping &&
            (sh.workers_done.load(std::memory_order_acquire) == workers || now - stop_seen > 4s)) {
            break;
        }
    }
    (void)sp.step();
    if (sink.flush(4s)) {
        sp.mark_delivered();
    } else {
        spdlog::warn("publisher: records not all delivered at shutdown ({} waiting)",
                     sink.stats().waiting + sink.producer().queue_depth());
    }
    // release: the published watermark is final; pairs with the workers' acquire.
    sh.final_published.store(true, std::memory_order_release);
    final = sp.stats();
    if (ro.progress) {
        print_progress(final, prev_ingested,
                       std::chrono::duration<double>(clock_type::now() - last_progress).count());
    }
}

std::int32_t partition_count(rd_kafka_t* rk, const std::string& topic) {
    const auto deadline = clock_type::now() + 10s;
    for (;;) {
        rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
        const rd_kafka_metadata_t* md = nullptr;
        const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 2000);
        std::int32_t n = -1;
        std::string why = rd_kafka_err2str(err);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1) {
            if (md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                n = md->topics[0].partition_cnt;
            } else {
                why = rd_kafka_err2str(md->topics[0].err);
            }
        }
        if (md != nullptr) {
            rd_kafka_metadata_destroy(md);
        }
        rd_kafka_topic_destroy(rkt);
        if (n > 0) {
            return n;
        }
        if (clock_type::now() > deadline) {
            throw std::runtime_error("kafka: cannot read the partitions of topic '" + topic +
                                     "': " + why);
        }
        std::this_thread::sleep_for(200ms);
    }
}

} // namespace

run_result run_service(const config& cfg, const run_options& ro, const std::atomic<bool>& stop) {
    unsigned n = ro.workers;
    if (n == 0) {
        n = cfg.ingest.workers > 0 ? static_cast<unsigned>(cfg.ingest.workers)
                                   : std::max(1U, std::thread::hardware_concurrency());
    }
    stream_options so;
    so.windows = window_options_of(cfg);
    so.processor = processor_options_of(cfg, true);
    so.idle_timeout = cfg.watermark.idle_timeout;
    so.topic = cfg.kafka.topic;

    const brand_matcher matcher(cfg.brands);
    const kafka::sink_topics topics{cfg.sinks.windows_topic, cfg.sinks.trends_topic,
                                    cfg.sinks.alerts_topic, cfg.sinks.dlq_topic};
    stream_watermarks wm;
    partition_handoff handoff;
    shared_run sh(stop);

    std::vector<worker_ctx> ctxs(n);
    std::vector<spsc_ring<worker_message>*> rings;
    for (unsigned i = 0; i < n; ++i) {
        ctxs[i].dlq = std::make_unique<kafka::kafka_sink>(
            producer_config_of(cfg, "pulso-dlq" + std::to_string(i)), topics);
        ctxs[i].worker = std::make_unique<stream_worker>(i, so, matcher, lexicon_scorer::builtin(),
                                                         wm, handoff, *ctxs[i].dlq);
        rings.push_back(&ctxs[i].worker->ring());
    }
    kafka::kafka_sink sink(producer_config_of(cfg, "pulso-publisher"), topics);
    const std::int32_t partitions = partition_count(sink.producer().c_ptr(), cfg.kafka.topic);
    detector det(cfg.detect, matcher, cfg.windows.size, cfg.windows.slide);
    stream_publisher sp(so, matcher, wm, rings, sink, &det, partitions);
    spdlog::info("pulso run: {} worker(s), topic {} ({} partitions), group {}, brokers {}", n,
                 cfg.kafka.topic, partitions, cfg.kafka.group, cfg.kafka.brokers);

    run_result result;
    result.workers = n;
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            try {
                worker_main(cfg, ro, sh, ctxs[i], i);
            } catch (const std::exception& e) {
                sh.fail("worker " + std::to_string(i) + ": " + e.what());
                sh.workers_done.fetch_add(1, std::memory_order_release);
            }
        });
    }
    try {
        publisher_main(ro, sh, sp, sink, n, result.stats);
    } catch (const std::exception& e) {
        sh.fail(std::string("publisher: ") + e.what());
        sh.final_published.store(true, std::memory_order_release);
    }
    for (std::thread& t : threads) {
        t.join();
    }
    for (const worker_ctx& c : ctxs) {
        result.dlq_records += c.dlq_records;
    }
    if (sh.fatal.load(std::memory_order_acquire)) {
        std::lock_guard lock(sh.error_mu);
        result.exit_code = 1;
        result.error = sh.error;
    }
    return result;
}

} // namespace pulso::app
