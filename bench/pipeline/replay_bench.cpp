// The whole replay path per core: parse → normalise → match → sentiment → tokens → window fold
// → seal/merge → window records, on generated mentions (mixed es/en/pt), as `pulso replay`
// runs it minus file I/O. Two brand sets: the 6 demo brands, and 1,000 brands. Beside it, on
// the same mentions: the ceiling the path is measured against (simdjson On-Demand alone, the
// parse_bench pass), and pulso's parser alone.
#include "pulso/config/config.h"
#include "pulso/generator/generator.h"
#include "pulso/parse/mention_parser.h"
#include "pulso/pipeline/replay_engine.h"
#include "simdjson_touch.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace pulso {
namespace {

struct counting_sink final : record_sink {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    void emit(record_kind /*kind*/, std::string_view /*key*/, std::string_view json) override {
        ++records;
        bytes += json.size();
    }
};

/// N generated mentions as one padded NDJSON buffer, plus line offsets.
struct corpus {
    std::string buf;
    std::vector<std::pair<std::size_t, std::size_t>> lines;
};

const corpus& mentions() {
    static const corpus c = [] {
        corpus out;
        generator_options o;
        o.rate = 2000;       // 120k mentions per minute of event time
        o.duration = 60'000; // → 120,000 mentions
        o.seed = 11;
        mention_generator g(o);
        std::string line;
        millis t = 0;
        while (true) {
            line.clear();
            if (!g.next(line, t)) {
                break;
            }
            out.lines.emplace_back(out.buf.size(), line.size());
            out.buf += line;
            out.buf.push_back('\n');
        }
        out.buf.append(64, ' '); // simdjson padding after the last line
        return out;
    }();
    return c;
}

config brands_config(int n) {
    if (n == 0) {
        return load_config_text(std::string(default_brands_yaml()), "bench");
    }
    std::string yaml = std::string(default_brands_yaml());
    // 1,000 extra brands with plausible made-up names; a few match generated text by chance.
    for (int i = 0; i < n; ++i) {
        yaml += "  - name: b" + std::to_string(i) + "\n    keywords: [\"marca" + std::to_string(i) +
                "\", \"brand " + std::to_string(i) + " co\"]\n";
    }
    return load_config_text(yaml, "bench");
}

void BM_Replay_WholePath(benchmark::State& state) {
    const corpus& c = mentions();
    const config cfg = brands_config(static_cast<int>(state.range(0)));
    std::uint64_t items = 0;
    for (auto _ : state) {
        state.PauseTiming(); // compiling the brand rules is start-up work, not per mention
        counting_sink sink;
        replay_engine engine(cfg, sink, "bench");
        state.ResumeTiming();
        std::int64_t i = 0;
        for (const auto& [off, len] : c.lines) {
            engine.feed(std::string_view(c.buf.data() + off, len), i++, true);
        }
        engine.finish();
        if (engine.stats().accepted == 0 || sink.records == 0) {
            state.SkipWithError("replay produced nothing");
            return;
        }
        benchmark::DoNotOptimize(sink.bytes);
        items += c.lines.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.SetBytesProcessed(static_cast<std::int64_t>(items * (c.buf.size() / c.lines.size())));
}
BENCHMARK(BM_Replay_WholePath)->Arg(0)->Arg(1000)->Unit(benchmark::kMillisecond);

/// The ceiling on the same 120,000 mentions, in the same cache regime (~39 MB, streamed
/// through the caches once per pass as the path streams them): simdjson On-Demand alone.
void BM_Replay_SimdjsonAlone(benchmark::State& state) {
    const corpus& c = mentions();
    simdjson::ondemand::parser parser;
    bench::touch_result r;
    std::uint64_t items = 0;
    for (auto _ : state) {
        std::uint64_t sum = 0;
        for (const auto& [off, len] : c.lines) {
            // Every generated mention has id, platform, text, created_at and author.id.
            if (!bench::simdjson_touch(parser, std::string_view(c.buf.data() + off, len), r) ||
                r.touched < 5) {
                state.SkipWithError("simdjson pass failed");
                return;
            }
            sum += r.sum;
        }
        benchmark::DoNotOptimize(sum);
        items += c.lines.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.SetBytesProcessed(static_cast<std::int64_t>(items * (c.buf.size() / c.lines.size())));
}
BENCHMARK(BM_Replay_SimdjsonAlone)->Unit(benchmark::kMillisecond);

/// pulso's parser alone on the same mentions (the path's first stage).
void BM_Replay_ParserAlone(benchmark::State& state) {
    const corpus& c = mentions();
    mention_parser parser;
    mention m;
    std::uint64_t items = 0;
    for (auto _ : state) {
        std::uint64_t accepted = 0;
        for (const auto& [off, len] : c.lines) {
            accepted += parser.parse(std::string_view(c.buf.data() + off, len), m, true).ok();
        }
        if (accepted == 0) {
            state.SkipWithError("parser accepted nothing");
            return;
        }
        benchmark::DoNotOptimize(accepted);
        items += c.lines.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.SetBytesProcessed(static_cast<std::int64_t>(items * (c.buf.size() / c.lines.size())));
}
BENCHMARK(BM_Replay_ParserAlone)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace pulso

BENCHMARK_MAIN();
