// The streaming engine's per-mention path without Kafka: one `stream_worker` (parse → enrich →
// fold into per-partition window state → seal → ring) and the `stream_publisher` that merges
// its partials and publishes the window records, driven on one thread, on generated mentions
// spread round robin over P input partitions — as `pulso run` divides work per partition.
// P = 1 is the replay path's division of work; the difference to P = 64 is what keeping the
// state per input partition costs (more, smaller sketches; one partial per partition to merge).
#include "pulso/config/config.h"
#include "pulso/generator/generator.h"
#include "pulso/pipeline/stream_publisher.h"
#include "pulso/pipeline/stream_worker.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "pulso/text/brand_matcher.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pulso {
namespace {

struct counting_sink final : record_sink {
    std::uint64_t records = 0;
    void emit(record_kind /*kind*/, std::string_view /*key*/, std::string_view /*json*/) override {
        ++records;
    }
};

/// 120,000 generated mentions over 5 minutes of event time (windows close along the stream).
struct corpus {
    std::vector<std::string> lines;
    millis last = 0;
};

const corpus& mentions() {
    static const corpus c = [] {
        corpus out;
        generator_options o;
        o.rate = 400;
        o.duration = 300'000;
        o.seed = 11;
        mention_generator g(o);
        std::string line;
        millis t = 0;
        while (g.next(line, t)) {
            out.lines.push_back(line);
            out.last = std::max(out.last, t);
            line.clear();
        }
        return out;
    }();
    return c;
}

void BM_Stream_WorkerAndPublisher(benchmark::State& state) {
    const corpus& c = mentions();
    const auto partitions = static_cast<std::int32_t>(state.range(0));
    const config cfg = load_config_text(std::string(default_brands_yaml()), "bench");
    const stream_options so = stream_options_of(cfg);
    const brand_matcher matcher(cfg.brands);
    const millis now = c.last + 3'600'000; // the wall clock: after every event, no idleness
    std::uint64_t items = 0;
    std::uint64_t records = 0;
    for (auto _ : state) {
        state.PauseTiming();
        stream_watermarks wm;
        partition_handoff handoff;
        counting_sink dlq;
        counting_sink out;
        auto worker = std::make_unique<stream_worker>(0, so, matcher, lexicon_scorer::builtin(), wm,
                                                      handoff, dlq);
        auto publisher = std::make_unique<stream_publisher>(
            so, matcher, wm, std::vector{&worker->ring()}, out, nullptr, partitions);
        for (std::int32_t p = 0; p < partitions; ++p) {
            worker->on_assigned(p, -1, "", now);
        }
        std::vector<std::int64_t> next(static_cast<std::size_t>(partitions), 0);
        state.ResumeTiming();
        // Batches of 1,024 records, as the Kafka loop polls them; a tick and a publisher step
        // after each batch.
        std::size_t i = 0;
        while (i < c.lines.size()) {
            worker->begin_batch();
            const std::size_t end = std::min(c.lines.size(), i + 1024);
            for (; i < end; ++i) {
                const auto p = static_cast<std::int32_t>(i % static_cast<std::size_t>(partitions));
                worker->on_record(p, next[static_cast<std::size_t>(p)]++, c.lines[i], now);
            }
            while (worker->tick(now)) {
                (void)publisher->step();
            }
            (void)publisher->step();
        }
        (void)worker->tick(now);
        (void)publisher->step();
        state.PauseTiming();
        if (out.records == 0) {
            state.SkipWithError("no window was published");
            return;
        }
        records += out.records;
        items += c.lines.size();
        publisher.reset(); // before the worker whose ring it reads; untimed, as the set-up
        worker.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.counters["windows_records"] =
        benchmark::Counter(static_cast<double>(records), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Stream_WorkerAndPublisher)
    ->ArgName("partitions")
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace pulso

BENCHMARK_MAIN();
