#include "run_service.h"

#include "detector_store.h"
#include "pulso/alerting/alert_dispatcher.h"
#include "pulso/core/hash.h"
#include "pulso/detect/detector.h"
#include "pulso/http/history.h"
#include "pulso/http/http_server.h"
#include "pulso/http/metrics.h"
#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_producer.h"
#include "pulso/kafka/kafka_sink.h"
#include "pulso/pipeline/replay_engine.h"
#include "pulso/pipeline/rules_exchange.h"
#include "pulso/pipeline/stream_worker.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "split_watch.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pulso::app {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Steady clock in ms, for heartbeats.
std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock_type::now().time_since_epoch())
        .count();
}

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
    /// Workers whose final commit is done. Each waits for all before leaving the group: the
    /// first consumer to leave starts a rebalance that fails the others' commits
    /// (REBALANCE_IN_PROGRESS) and the last published watermark would not be committed.
    std::atomic<unsigned> workers_committed{0};
    unsigned workers = 0;
    rules_exchange* rules = nullptr; ///< live reload: new brand rules and detection settings

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

/// detect.state_file: alerts still firing when the previous process stopped become known to
/// the in-process sinks — the HTTP API's firing list and metrics, and Alertmanager's resend
/// set (else Alertmanager would expire them before their resolution). Not the alerts topic
/// and not the webhook: both were told when the alert fired.
class restored_alerts final : public detection_sink {
  public:
    restored_alerts(http::history& hist, alerting::alert_dispatcher* alerts)
        : hist_(hist), alerts_(alerts) {}
    void trend(std::string_view, std::string_view) override {}
    void alert(std::string_view, std::string_view json) override {
        (void)hist_.restore_firing(json);
        if (alerts_ != nullptr) {
            (void)alerts_->restore_firing(json);
        }
    }

  private:
    http::history& hist_;
    alerting::alert_dispatcher* alerts_;
};

void announce_restored_alerts(const detector& det, http::history& hist,
                              alerting::alert_dispatcher* alerts) {
    std::vector<firing_alert> firing;
    det.firing(firing);
    if (firing.empty()) {
        return;
    }
    restored_alerts sink(hist, alerts);
    const std::size_t told = det.announce_firing(sink);
    const bool am = alerts != nullptr && alerts->enabled(alerting::alert_sink::alertmanager);
    spdlog::info("detector state: {} alert(s) still firing; {} listed by the API{}", firing.size(),
                 told, am ? " and re-sent to Alertmanager" : "");
    if (told < firing.size()) {
        spdlog::warn("detector state: {} firing alert(s) restored without their record (a "
                     "snapshot of an older version): not listed until they change",
                     firing.size() - told);
    }
}

/// How long a loop may go without turning before /healthz says the service is not alive.
constexpr std::int64_t k_heartbeat_limit_ms = 10'000;
/// A sink that has not delivered everything for this long makes /readyz answer 503.
constexpr std::int64_t k_sink_stuck_ms = 30'000;

/// What one ingest worker shows the HTTP thread: its loop's heartbeat, its assignment and
/// lag, its dead-letter sink. Written by the worker about once a second (and after a
/// rebalance), read by the HTTP thread once per scrape or probe: never on the per-record path.
/// @thread worker writes; any reads; @locks mu
struct worker_probe {
    std::atomic<std::int64_t> heartbeat_ms{steady_ms()};
    std::mutex mu;
    std::vector<http::partition_lag> lag;     ///< @locks mu; known lags of assigned partitions
    std::size_t assigned = 0;                 ///< @locks mu
    http::sink_status dlq{"kafka_dlq", 0, 0}; ///< @locks mu
};

/// What the publisher shows the HTTP thread: its heartbeat, the summed worker statistics it
/// keeps (copied every 100 ms: the summed latest worker snapshots) and its Kafka sink.
/// @thread publisher writes; any reads; @locks mu
struct publisher_probe {
    std::atomic<std::int64_t> heartbeat_ms{steady_ms()};
    std::mutex mu;
    stream_publisher_stats stats;           ///< @locks mu
    http::sink_status sink{"kafka", 0, 0};  ///< @locks mu
    std::int64_t undelivered_since_ms = -1; ///< @locks mu; steady ms, -1: all delivered
};

/// Forwards every record to each of its sinks in order. The service's chain behind the
/// HTTP history: the Kafka sink first; the alert sinks (Alertmanager, webhook) are added
/// after it (see run_service).
/// @thread publisher (window, trend, alert records)
class fanout_sink final : public record_sink {
  public:
    void add(record_sink* s) { sinks_.push_back(s); }
    void emit(record_kind kind, std::string_view key, std::string_view json) override {
        for (record_sink* s : sinks_) {
            s->emit(kind, key, json);
        }
    }

  private:
    std::vector<record_sink*> sinks_;
};

/// Forwards the consumer's rebalance events to the worker (on the worker's thread, or on the
/// consumer's closing thread while the worker thread waits in close()).
class worker_listener final : public kafka::rebalance_listener {
  public:
    explicit worker_listener(stream_worker& w) : w_(w) {}

    void on_assigned(std::span<const kafka::assigned_partition> parts) override {
        std::string list;
        for (const kafka::assigned_partition& p : parts) {
            w_.on_assigned(p.partition, p.committed_offset, p.committed_metadata, wall_ms());
            list.append(list.empty() ? "" : ", ")
                .append(std::to_string(p.partition))
                .append("@")
                .append(std::to_string(p.committed_offset));
            if (!p.committed_metadata.empty()) {
                list.append(" (").append(p.committed_metadata).append(")");
            }
        }
        // Rare (rebalances only) and what an operator reads first after a hand-off: info.
        spdlog::info("worker {}: assigned {} partition(s): {}", w_.id(), parts.size(), list);
        changed = true;
        assignment_changed = true;
    }

    std::vector<kafka::partition_offset> on_revoked(std::span<const std::int32_t> parts,
                                                    bool lost) override {
        std::vector<kafka::partition_offset> out;
        std::string list;
        for (const std::int32_t p : parts) {
            list.append(list.empty() ? "" : ", ").append(std::to_string(p));
        }
        spdlog::info("worker {}: {} {} partition(s): {}", w_.id(), lost ? "lost" : "revoked",
                     parts.size(), list);
        for (const std::int32_t p : parts) {
            if (lost) {
                w_.on_lost(p);
                continue;
            }
            stream_offset o = w_.on_revoked(p);
            if (o.offset >= 0 && !already_committed(p, o)) {
                out.push_back({p, o.offset, std::move(o.metadata)});
            }
        }
        changed = true;
        assignment_changed = true;
        return out;
    }

    bool changed = false;            ///< for the pause logic
    bool assignment_changed = false; ///< for the probe
    /// What the worker's final commit confirmed at shutdown. close() then revokes every
    /// partition; committing the same offsets again is not needed, and fails once another
    /// worker's leaving has started a rebalance (REBALANCE_IN_PROGRESS: a "commit failed"
    /// warning on every clean stop with two or more workers). Set on the worker's thread
    /// before close() starts the thread that calls on_revoked.
    std::vector<kafka::partition_offset> final_commit;

  private:
    [[nodiscard]] bool already_committed(std::int32_t p, const stream_offset& o) const {
        return std::any_of(
            final_commit.begin(), final_commit.end(), [&](const kafka::partition_offset& c) {
                return c.partition == p && c.offset == o.offset && c.metadata == o.metadata;
            });
    }

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
    std::unique_ptr<worker_probe> probe;
    std::uint64_t dlq_records = 0;
};

/// Copies the worker's Kafka view into its probe (once a second, and after a rebalance).
void update_probe(worker_probe& probe, const kafka::kafka_consumer& consumer,
                  kafka::kafka_sink& dlq) {
    const std::vector<kafka::partition_lag> lags = consumer.lag();
    const kafka::kafka_sink_stats ds = dlq.stats();
    std::lock_guard lock(probe.mu);
    probe.lag.clear();
    for (const kafka::partition_lag& l : lags) {
        if (l.lag >= 0) {
            probe.lag.push_back({consumer.topic(), l.partition, l.lag});
        }
    }
    probe.assigned = lags.size();
    probe.dlq.queue_depth = ds.waiting + dlq.producer().queue_depth();
    probe.dlq.errors = ds.failed;
}

void worker_main(const config& cfg, const run_options& ro, shared_run& sh, worker_ctx& ctx,
                 unsigned id) {
    stream_worker& w = *ctx.worker;
    kafka::kafka_sink& dlq = *ctx.dlq;
    worker_probe& probe = *ctx.probe;
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
            w.on_record(r.partition, r.offset, r.value, now, r.timestamp_ms);
        };
    };
    std::shared_ptr<const rules_version> rules = sh.rules->current();
    while (!sh.should_stop()) {
        if (sh.rules->generation() != rules->generation) {
            rules = sh.rules->current(); // a reload: the previous matcher lives until here
            w.set_matcher(*rules->matcher);
        }
        w.begin_batch();
        consumer.poll(100, on_record(wall_ms()));
        const auto now = clock_type::now();
        // relaxed: a heartbeat; the HTTP thread only compares it with its own clock.
        probe.heartbeat_ms.store(steady_ms(), std::memory_order_relaxed);
        if (listener.assignment_changed) {
            update_probe(probe, consumer, dlq);
            listener.assignment_changed = false;
        }
        if (now - last_tick >= ro.tick_interval) {
            if (now - last_lag >= 1s) {
                w.set_lag(lag_of(consumer));
                update_probe(probe, consumer, dlq);
                last_lag = now;
            }
            (void)w.tick(wall_ms());
            last_tick = now;
        }
        dlq.service(0);
        // The sink numbers lines as this worker emitted them (it is the worker's alone): what
        // it confirmed stops holding commits back even while later lines are in flight.
        w.dlq_delivered_through(dlq.delivered_through());
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
    (void)dlq.flush(2s);
    w.dlq_delivered_through(dlq.delivered_through());
    ctx.dlq_records = dlq.stats().emitted;
    if (!consumer.has_fatal_error()) {
        const auto offs = to_kafka(w.committable());
        if (!offs.empty()) {
            // Bounded: with the coordinator gone a sync commit waits for the session timeout
            // (45 s by default), longer than an orchestrator's grace period.
            const rd_kafka_resp_err_t err = consumer.commit_within(offs, 5s);
            if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
                spdlog::warn("worker {}: final commit not confirmed within 5 s (group coordinator "
                             "unreachable?); a restart resumes from the last confirmed commit and "
                             "skips what was published",
                             id);
            } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                spdlog::warn("worker {}: final commit failed: {}", id, rd_kafka_err2name(err));
            } else {
                listener.final_commit = offs;
            }
        }
    }
    // release: this worker's final commit is done; pairs with the acquire loads below.
    sh.workers_committed.fetch_add(1, std::memory_order_release);
    const auto t1 = clock_type::now();
    while (sh.workers_committed.load(std::memory_order_acquire) < sh.workers &&
           clock_type::now() - t1 < 5s) {
        consumer.poll(20, ignore);
    }
    if (!consumer.close(5s)) {
        spdlog::warn("worker {}: consumer close timed out", id);
    }
}

std::string format_wm(millis t) {
    return t == k_no_watermark ? std::string("-") : format_rfc3339(t);
}

void print_progress(const std::string& name, const stream_publisher_stats& s,
                    std::uint64_t prev_ingested, double secs) {
    const double rate =
        secs > 0 ? static_cast<double>(s.ingest.ingested - prev_ingested) / secs : 0.0;
    std::fprintf(stderr,
                 "%s: %.0f records/s, %llu records, %llu rejected, %llu late, lag %lld, "
                 "%llu windows published, watermark %s, published through %s\n",
                 name.c_str(), rate, static_cast<unsigned long long>(s.ingest.ingested),
                 static_cast<unsigned long long>(s.ingest.rejected_total()),
                 static_cast<unsigned long long>(s.ingest.late), static_cast<long long>(s.lag),
                 static_cast<unsigned long long>(s.windows_published),
                 format_wm(s.global_wm).c_str(), format_wm(s.published_wm).c_str());
}

/// Copies the publisher's view into its probe (at most every 100 ms).
void update_probe(publisher_probe& probe, const stream_publisher& sp, kafka::kafka_sink& sink) {
    stream_publisher_stats st = sp.stats();
    const kafka::kafka_sink_stats ks = sink.stats();
    const bool delivered = sink.all_delivered();
    const std::int64_t now = steady_ms();
    std::lock_guard lock(probe.mu);
    probe.stats = std::move(st);
    probe.sink.queue_depth = ks.waiting + sink.producer().queue_depth();
    probe.sink.errors = ks.failed;
    if (delivered) {
        probe.undelivered_since_ms = -1;
    } else if (probe.undelivered_since_ms < 0) {
        probe.undelivered_since_ms = now;
    }
}

void publisher_main(const run_options& ro, shared_run& sh, stream_publisher& sp,
                    kafka::kafka_sink& sink, publisher_probe& probe, unsigned workers,
                    detector_store& store, split_watch& split, stream_publisher_stats& final) {
    auto last_progress = clock_type::now();
    auto last_probe = last_progress;
    auto last_split_check = last_progress;
    std::uint64_t prev_ingested = 0;
    clock_type::time_point stop_seen{};
    bool stopping = false;
    for (;;) {
        const std::size_t handled = sp.step();
        sink.service(handled != 0 ? 0 : 2);
        if (sink.all_delivered()) {
            // The snapshot first: once the published watermark moves, workers may commit
            // behind it, and a restart must not find a state older than its offsets.
            store.save(sp.completed_through());
            sp.mark_delivered();
        }
        const auto now = clock_type::now();
        // relaxed: a heartbeat; the HTTP thread only compares it with its own clock.
        probe.heartbeat_ms.store(steady_ms(), std::memory_order_relaxed);
        if (now - last_probe >= 100ms) {
            update_probe(probe, sp, sink);
            last_probe = now;
        }
        if (now - last_split_check >= 1s) {
            const stream_publisher_stats s = sp.stats();
            switch (split.update(s.partitions_reported, s.partition_count, now)) {
            case split_watch::event::none:
                break;
            case split_watch::event::split:
                spdlog::warn(
                    "publisher: this process has owned {} of {} partitions of topic '{}' for "
                    "{} s, so no window is complete here and nothing is published. If other "
                    "pulso processes share group '{}', they hold the rest: windows are "
                    "published only by a process that owns every partition (scale-out beyond "
                    "one process is standby only; README, \"Deploying and scaling out\")",
                    s.partitions_reported, s.partition_count, split.topic(),
                    std::chrono::duration_cast<std::chrono::seconds>(split_watch::k_after).count(),
                    split.group());
                break;
            case split_watch::event::whole:
                spdlog::info("publisher: this process owns all {} partitions of topic '{}' "
                             "again; windows are published",
                             s.partition_count, split.topic());
                break;
            }
            last_split_check = now;
        }
        if (ro.progress && now - last_progress >= ro.progress_interval) {
            const stream_publisher_stats s = sp.stats();
            print_progress(ro.progress_name, s, prev_ingested,
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
        store.save(sp.completed_through());
        sp.mark_delivered();
    } else {
        spdlog::warn("publisher: records not all delivered at shutdown ({} waiting)",
                     sink.stats().waiting + sink.producer().queue_depth());
    }
    // release: the published watermark is final; pairs with the workers' acquire.
    sh.final_published.store(true, std::memory_order_release);
    final = sp.stats();
    update_probe(probe, sp, sink);
    if (ro.progress) {
        print_progress(ro.progress_name, final, prev_ingested,
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

/// The service state the HTTP thread reads: probes, readiness, the ingest producer. Every
/// method runs on the HTTP I/O thread (http_callbacks, the metrics snapshot function).
/// @thread http (reads the probes under their mutexes, atomics with relaxed/acquire loads)
class service_view {
  public:
    service_view(const config& cfg, shared_run& sh, const stream_watermarks& wm,
                 const std::vector<worker_ctx>& workers, publisher_probe& pub,
                 std::int32_t partitions)
        : cfg_(cfg), sh_(sh), wm_(wm), workers_(workers), pub_(pub), partitions_(partitions) {
        if (!cfg.http.token.empty()) {
            // Only with a token can POST /api/v1/ingest be called at all.
            ingest_ = std::make_unique<kafka::kafka_producer>(
                producer_config_of(cfg, "pulso-http-ingest"));
        }
    }

    [[nodiscard]] http::metrics_snapshot snapshot() const {
        http::metrics_snapshot m;
        http::sink_status dlq{"kafka_dlq", 0, 0};
        for (const worker_ctx& w : workers_) {
            std::lock_guard lock(w.probe->mu);
            m.kafka_lag.insert(m.kafka_lag.end(), w.probe->lag.begin(), w.probe->lag.end());
            dlq.queue_depth += w.probe->dlq.queue_depth;
            dlq.errors += w.probe->dlq.errors;
        }
        std::sort(m.kafka_lag.begin(), m.kafka_lag.end(),
                  [](const http::partition_lag& a, const http::partition_lag& b) {
                      return a.partition < b.partition;
                  });
        {
            std::lock_guard lock(pub_.mu);
            m.ingest = pub_.stats.ingest;
            m.sinks.push_back(pub_.sink);
        }
        m.sinks.push_back(dlq);
        if (alerts_ != nullptr) {
            for (const auto s :
                 {alerting::alert_sink::alertmanager, alerting::alert_sink::webhook}) {
                if (alerts_->enabled(s)) {
                    m.sinks.push_back({alerting::alert_sink_name(s), alerts_->queue_depth(s),
                                       alerts_->stats(s).errors()});
                }
            }
        }
        // Brand names by id, as the rules are now (a reload may have added some).
        const auto rules = sh_.rules->current();
        for (std::uint32_t i = 0; i < rules->matcher->brand_count(); ++i) {
            m.brands.emplace_back(rules->matcher->brand_name(i));
        }
        // acquire: pairs with the publisher's release store of the global watermark.
        const millis g = wm_.global.load(std::memory_order_acquire);
        m.watermark_lag_seconds =
            g == k_no_watermark ? 0.0 : static_cast<double>(wall_ms() - g) / 1000.0;
        return m;
    }

    /// /healthz: every loop turned within the last 10 s and nothing fatal happened.
    [[nodiscard]] bool alive() const {
        if (sh_.fatal.load(std::memory_order_acquire)) {
            return false;
        }
        const std::int64_t now = steady_ms();
        // relaxed: heartbeats are compared with this thread's clock only.
        if (now - pub_.heartbeat_ms.load(std::memory_order_relaxed) > k_heartbeat_limit_ms) {
            return false;
        }
        return std::all_of(workers_.begin(), workers_.end(), [now](const worker_ctx& w) {
            return now - w.probe->heartbeat_ms.load(std::memory_order_relaxed) <=
                   k_heartbeat_limit_ms;
        });
    }

    /// /readyz: "" when ready (config loaded — it is, or we would not run —, every input
    /// partition assigned to a worker, sinks delivering); else the first reason found.
    [[nodiscard]] std::string not_ready_reason() const {
        if (sh_.fatal.load(std::memory_order_acquire)) {
            std::lock_guard lock(sh_.error_mu);
            return "fatal error: " + sh_.error;
        }
        if (sh_.stop.load(std::memory_order_acquire)) {
            return "shutting down";
        }
        std::size_t assigned = 0;
        for (const worker_ctx& w : workers_) {
            std::lock_guard lock(w.probe->mu);
            assigned += w.probe->assigned;
        }
        if (assigned < static_cast<std::size_t>(partitions_)) {
            return "kafka: " + std::to_string(assigned) + " of " + std::to_string(partitions_) +
                   " partitions of topic '" + cfg_.kafka.topic + "' assigned (group '" +
                   cfg_.kafka.group +
                   "' joining, or other members hold the rest: windows are published only by a "
                   "process that owns every partition)";
        }
        std::lock_guard lock(pub_.mu);
        if (pub_.undelivered_since_ms >= 0 &&
            steady_ms() - pub_.undelivered_since_ms > k_sink_stuck_ms) {
            return "sink kafka: records not delivered for more than " +
                   std::to_string(k_sink_stuck_ms / 1000) + " s";
        }
        return {};
    }

    /// POST /api/v1/ingest: every non-empty line goes to the input topic, keyed like any
    /// producer of mentions should (mention_key), so HTTP input takes the same exactly-once
    /// path as Kafka input; records are parsed, counted and dead-lettered by the workers.
    /// Waits (≤ 10 s) for the cluster's acknowledgement before answering.
    [[nodiscard]] http::ingest_result ingest(std::string_view body) {
        http::ingest_result r;
        if (!ingest_) {
            r.error = "ingest needs http.token";
            return r;
        }
        kafka::kafka_producer& p = *ingest_;
        if (p.has_fatal_error()) {
            r.error = "kafka producer: " + p.fatal_error();
            return r;
        }
        const auto deadline = clock_type::now() + 10s;
        std::string key;
        while (!body.empty()) {
            const std::size_t nl = body.find('\n');
            std::string_view line = body.substr(0, nl);
            body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
            while (!line.empty() &&
                   (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
                line.remove_suffix(1);
            }
            if (line.find_first_not_of(" \t") == std::string_view::npos) {
                continue;
            }
            ++r.lines;
            mention_key(line, key);
            for (;;) {
                const kafka::produce_result pr = p.produce(cfg_.kafka.topic, key, line);
                if (pr == kafka::produce_result::ok) {
                    ++r.accepted;
                    break;
                }
                if (pr == kafka::produce_result::failed || clock_type::now() > deadline) {
                    ++r.rejected;
                    break;
                }
                p.poll(10); // queue full: serve delivery reports, then retry
            }
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (!p.flush(static_cast<int>(std::max<std::int64_t>(left.count(), 1000)))) {
            r.error = "kafka: the input topic did not acknowledge within 10 s (" +
                      std::to_string(p.queue_depth()) + " records still in flight)";
            return r;
        }
        const std::size_t failed = p.take_failed().size();
        r.accepted -= std::min<std::uint64_t>(r.accepted, failed);
        r.rejected += failed;
        if (r.lines > 0 && r.accepted == 0) {
            r.error = "kafka: no line could be written to topic '" + cfg_.kafka.topic + "'";
        }
        return r;
    }

    /// Configured brand names (retired ones left out).
    [[nodiscard]] std::vector<std::string> brands() const {
        const auto rules = sh_.rules->current();
        std::vector<std::string> out;
        for (std::uint32_t i = 0; i < rules->matcher->brand_count(); ++i) {
            if (!rules->matcher->retired(i)) {
                out.emplace_back(rules->matcher->brand_name(i));
            }
        }
        return out;
    }

    /// Alert sinks report queue depth and errors through /metrics.
    void set_alerts(const alerting::alert_dispatcher* a) noexcept { alerts_ = a; }

  private:
    const config& cfg_;
    shared_run& sh_;
    const stream_watermarks& wm_;
    const std::vector<worker_ctx>& workers_;
    publisher_probe& pub_;
    std::int32_t partitions_;
    const alerting::alert_dispatcher* alerts_ = nullptr;
    std::unique_ptr<kafka::kafka_producer> ingest_; ///< @thread http
};

} // namespace

void mention_key(std::string_view line, std::string& key) {
    key.clear();
    // A padded copy: the line is a view into a larger buffer (not padded for simdjson).
    thread_local simdjson::ondemand::parser parser;
    thread_local simdjson::padded_string padded;
    if (padded.size() < line.size()) {
        padded = simdjson::padded_string(line.size() + 1024);
    }
    std::memcpy(padded.data(), line.data(), line.size());
    simdjson::ondemand::document doc;
    std::string_view id;
    if (parser.iterate(padded.data(), line.size(), padded.size() + simdjson::SIMDJSON_PADDING)
                .get(doc) == simdjson::SUCCESS &&
        doc.find_field_unordered("id").get_string().get(id) == simdjson::SUCCESS && !id.empty()) {
        key.assign(id);
        return;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, hash64(line));
    key.assign(buf, 16);
}

/// Live reload (SIGHUP, POST /-/reload): re-reads the config file, refuses changes to
/// settings that need a restart, keeps brand ids stable (config::merge_brand_ids), compiles
/// the new matcher and hands the new rules to the workers and the publisher, which adopt them
/// between batches. A bad file is refused with its one-line error; the old rules keep running.
/// @thread any (serialised by mu_)
class reloader {
  public:
    reloader(const config& running, std::string path, rules_exchange& ex)
        : running_(running), path_(std::move(path)), ex_(ex) {}

    /// "" on success, else the reason the new config was refused.
    std::string reload() {
        const std::lock_guard lock(mu_);
        if (path_.empty()) {
            return "started without a config file: nothing to reload";
        }
        config next;
        try {
            next = load_config_file(path_);
        } catch (const std::exception& e) {
            return e.what();
        }
        next.http.listen = running_.http.listen; // a --listen override stays in force
        const std::vector<std::string> fixed = changed_fixed_settings(running_, next);
        if (!fixed.empty()) {
            std::string keys;
            for (const std::string& k : fixed) {
                keys.append(keys.empty() ? "" : ", ").append(k);
            }
            return path_ + ": these settings need a restart: " + keys;
        }
        const std::shared_ptr<const rules_version> cur = ex_.current();
        auto v = std::make_shared<rules_version>();
        v->generation = cur->generation + 1;
        v->brands = merge_brand_ids(cur->brands, next.brands);
        v->detect = next.detect;
        try {
            v->matcher = std::make_shared<brand_matcher>(v->brands);
        } catch (const std::exception& e) {
            return path_ + ": brands: " + e.what();
        }
        std::size_t retired = 0;
        for (const brand_rule& b : v->brands) {
            retired += b.retired ? 1 : 0;
        }
        spdlog::info("reload: {} brands ({} added, {} retired), detection settings updated",
                     v->brands.size() - retired, v->brands.size() - cur->brands.size(), retired);
        ex_.publish(std::move(v));
        return {};
    }

  private:
    std::mutex mu_;
    const config& running_;
    std::string path_;
    rules_exchange& ex_;
};

run_result run_service(const config& cfg, const run_options& ro, const std::atomic<bool>& stop) {
    unsigned n = ro.workers;
    if (n == 0) {
        n = cfg.ingest.workers > 0 ? static_cast<unsigned>(cfg.ingest.workers)
                                   : std::max(1U, std::thread::hardware_concurrency());
    }
    const stream_options so = stream_options_of(cfg);

    auto first_rules = std::make_shared<rules_version>();
    first_rules->generation = 1;
    first_rules->matcher = std::make_shared<const brand_matcher>(cfg.brands);
    first_rules->detect = cfg.detect;
    first_rules->brands = cfg.brands;
    const brand_matcher& matcher = *first_rules->matcher;
    rules_exchange rules(first_rules);
    reloader reload(cfg, ro.config_path, rules);
    const kafka::sink_topics topics{cfg.sinks.windows_topic, cfg.sinks.trends_topic,
                                    cfg.sinks.alerts_topic, cfg.sinks.dlq_topic};
    stream_watermarks wm;
    partition_handoff handoff;
    shared_run sh(stop);
    sh.workers = n;
    sh.rules = &rules;

    std::vector<worker_ctx> ctxs(n);
    std::vector<spsc_ring<worker_message>*> rings;
    for (unsigned i = 0; i < n; ++i) {
        ctxs[i].dlq = std::make_unique<kafka::kafka_sink>(
            producer_config_of(cfg, "pulso-dlq" + std::to_string(i)), topics);
        ctxs[i].worker = std::make_unique<stream_worker>(i, so, matcher, lexicon_scorer::builtin(),
                                                         wm, handoff, *ctxs[i].dlq);
        ctxs[i].probe = std::make_unique<worker_probe>();
        rings.push_back(&ctxs[i].worker->ring());
    }
    kafka::kafka_sink sink(producer_config_of(cfg, "pulso-publisher"), topics);
    const std::int32_t partitions = partition_count(sink.producer().c_ptr(), cfg.kafka.topic);
    detector det(cfg.detect, matcher, cfg.windows.size, cfg.windows.slide);
    detector_store store(cfg.detect.state_file, det);
    store.restore();
    publisher_probe pub_probe;

    // The publisher's record chain: history (HTTP API, SSE, publisher-side metrics) → fanout →
    // the Kafka sink. Alert sinks (connectors/alerting: Alertmanager, webhook) are added to
    // `outputs` after the Kafka sink, and report through service_view::snapshot().
    fanout_sink outputs;
    outputs.add(&sink);
    std::unique_ptr<alerting::alert_dispatcher> alerts;
    if (!cfg.alerting.alertmanager_url.empty() || !cfg.alerting.webhook_url.empty()) {
        alerting::alert_sink_options ao;
        ao.alertmanager_url = cfg.alerting.alertmanager_url;
        ao.webhook_url = cfg.alerting.webhook_url;
        (void)alerting::parse_webhook_format(cfg.alerting.webhook_format, ao.format);
        ao.resend_interval = std::chrono::milliseconds(cfg.alerting.resend_interval);
        ao.ca_file = cfg.alerting.ca_file;
        ao.external_url = !cfg.alerting.external_url.empty()
                              ? cfg.alerting.external_url
                              : std::string("http://").append(cfg.http.listen).append("/");
        alerts = std::make_unique<alerting::alert_dispatcher>(ao);
        outputs.add(alerts.get());
    }
    service_view view(cfg, sh, wm, ctxs, pub_probe, partitions);
    view.set_alerts(alerts.get());
    http::metrics met(PULSO_VERSION, [&view] { return view.snapshot(); });
    http::history hist({}, &outputs, &met);
    announce_restored_alerts(det, hist, alerts.get());
    std::unique_ptr<http::http_server> server;
    if (ro.http) {
        http::http_options o;
        o.listen = cfg.http.listen;
        o.token = cfg.http.token;
        http::http_callbacks cb;
        cb.alive = [&view] { return view.alive(); };
        cb.not_ready_reason = [&view] { return view.not_ready_reason(); };
        cb.ingest = [&view](std::string_view ndjson) { return view.ingest(ndjson); };
        cb.reload = [&reload] { return reload.reload(); };
        cb.brands = [&view] { return view.brands(); };
        server = std::make_unique<http::http_server>(o, std::move(cb), hist, met);
    }

    stream_publisher sp(so, matcher, wm, rings, hist, &det, partitions);
    // The publisher adopts new rules after draining the rings and before publishing, so that
    // a partial from a worker that already matches with them is named with them too.
    std::shared_ptr<const rules_version> pub_rules = first_rules;
    sp.set_before_publish([&] {
        if (rules.generation() != pub_rules->generation) {
            pub_rules = rules.current();
            sp.set_matcher(*pub_rules->matcher);
            det.set_config(pub_rules->detect);
        }
    });
    // SIGHUP: the signal handler only sets a flag; this thread does the reload.
    std::thread reload_watch;
    if (ro.reload_requested != nullptr) {
        reload_watch = std::thread([&] {
            while (!sh.should_stop()) {
                if (ro.reload_requested->exchange(false, std::memory_order_acq_rel)) {
                    const std::string err = reload.reload();
                    if (!err.empty()) {
                        spdlog::error("reload refused, the previous rules keep running: {}", err);
                    }
                }
                std::this_thread::sleep_for(200ms);
            }
        });
    }
    run_started started;
    started.partitions = partitions;
    started.workers = n;
    if (server) {
        server->start();
        started.http_address = server->local_address();
    }
    spdlog::info("{}: {} worker(s), topic {} ({} partitions), group {}, brokers {}, http {}",
                 ro.progress_name, n, cfg.kafka.topic, partitions, cfg.kafka.group,
                 cfg.kafka.brokers, server ? started.http_address : std::string("off"));

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
                sh.workers_committed.fetch_add(1, std::memory_order_release);
            }
        });
    }
    if (ro.on_started) {
        try {
            ro.on_started(started);
        } catch (const std::exception& e) {
            sh.fail(std::string("start-up: ") + e.what());
        }
    }
    try {
        split_watch split(cfg.kafka.topic, cfg.kafka.group);
        publisher_main(ro, sh, sp, sink, pub_probe, n, store, split, result.stats);
    } catch (const std::exception& e) {
        sh.fail(std::string("publisher: ") + e.what());
        sh.final_published.store(true, std::memory_order_release);
    }
    for (std::thread& t : threads) {
        t.join();
    }
    if (server) {
        // Before hist, met and the probes go: the I/O thread reads them.
        server->stop();
    }
    if (reload_watch.joinable()) {
        reload_watch.join();
    }
    if (alerts && !alerts->close(5s)) {
        spdlog::warn("alert sinks: undelivered alerts left after 5 s");
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
