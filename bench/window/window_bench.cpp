#include "pulso/core/hash.h"
#include "pulso/window/hyperloglog.h"
#include "pulso/window/partition_windows.h"
#include "pulso/window/space_saving.h"

#include <benchmark/benchmark.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace pulso;

constexpr std::uint32_t k_brands = 1000;
constexpr std::size_t k_pool = 50'000; ///< distinct mention shapes, reused with new ids/times
constexpr millis k_gap = 500;          ///< µs of event time per mention: 2,000 mentions/s
constexpr millis k_t0 = 1'795'000'000'000;

/// Zipf-like index in [0, n): a heavy head and a long tail, like hashtags and terms.
std::size_t zipf(std::mt19937_64& rng, std::size_t n) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double x = std::pow(static_cast<double>(n), u(rng));
    return std::min(n - 1, static_cast<std::size_t>(x) - 1);
}

/// A random lower-case word after `prefix` (built by appending: GCC 12 reports a false
/// -Wrestrict on `"#" + std::string`).
std::string word(std::mt19937_64& rng, std::size_t min_len, std::size_t max_len, char prefix = 0) {
    static constexpr char k_letters[] = "abcdefghijklmnopqrstuvwxyz";
    std::string w;
    if (prefix != 0) {
        w.push_back(prefix);
    }
    for (std::size_t n = min_len + rng() % (max_len - min_len + 1); n > 0; --n) {
        w.push_back(k_letters[rng() % 26]);
    }
    return w;
}

/// A mention shape whose id and event time are rewritten in place for each use, so the
/// benchmark loop pays only for the fold.
struct bench_mention {
    std::array<char, 16> id_buf{};
    std::string author_id;
    std::string handle;
    std::vector<std::uint32_t> brands;
    std::vector<std::string_view> hashtags;
    std::vector<std::string_view> terms;
    mention m;
    enriched_mention em;
};

struct fold_fixture {
    std::vector<std::string> tag_words;
    std::vector<std::string> term_words;
    std::vector<bench_mention> pool;

    fold_fixture() {
        std::mt19937_64 rng(42);
        for (int i = 0; i < 5000; ++i) {
            tag_words.push_back(word(rng, 3, 14, '#'));
        }
        for (int i = 0; i < 20'000; ++i) {
            term_words.push_back(word(rng, 3, 12));
        }
        static constexpr std::array<const char*, 3> k_langs = {"es", "en", "pt"};
        pool.resize(k_pool);
        for (bench_mention& b : pool) {
            b.author_id = std::to_string(rng() % 200'000);
            b.handle = word(rng, 4, 12, '@');
            b.brands.push_back(static_cast<std::uint32_t>(zipf(rng, k_brands)));
            if (rng() % 2 == 0) {
                const auto second = static_cast<std::uint32_t>(zipf(rng, k_brands));
                if (second != b.brands[0]) {
                    b.brands.push_back(second);
                }
                std::sort(b.brands.begin(), b.brands.end());
            }
            while (b.hashtags.size() < 3) {
                const std::string_view t = tag_words[zipf(rng, tag_words.size())];
                if (std::find(b.hashtags.begin(), b.hashtags.end(), t) == b.hashtags.end()) {
                    b.hashtags.push_back(t);
                }
            }
            while (b.terms.size() < 8) {
                const std::string_view t = term_words[zipf(rng, term_words.size())];
                if (std::find(b.terms.begin(), b.terms.end(), t) == b.terms.end()) {
                    b.terms.push_back(t);
                }
            }
            b.m.author_id = b.author_id;
            b.m.author_handle = b.handle;
            b.m.followers =
                static_cast<std::uint64_t>(std::exp(static_cast<double>(rng() % 1400) / 100.0));
            b.m.likes = rng() % 100;
            b.m.shares = rng() % 10;
            b.m.comments = rng() % 20;
            b.m.plat = static_cast<platform>(rng() % k_platform_count);
            const char* l = k_langs[rng() % k_langs.size()];
            b.m.lang.chars = {l[0], l[1], 0, 0};
            b.m.lang.size = 2;
            b.m.has_repost_of = rng() % 5 == 0;
            b.em.m = &b.m;
            b.em.score = static_cast<float>(static_cast<double>(rng() % 200) / 100.0 - 1.0);
            b.em.sentiment = classify_sentiment(b.em.score);
            b.em.brands = b.brands;
            b.em.hashtags = b.hashtags;
            b.em.terms = b.terms;
            b.em.cluster_key = rng() % 5000;
        }
    }

    /// Prepares the n-th mention of the stream: a fresh id, time at 2,000/s with up to 2 s of
    /// disorder (inside the 10 s bound).
    const enriched_mention& next(std::uint64_t n) {
        bench_mention& b = pool[n % k_pool];
        const auto r = std::to_chars(b.id_buf.data(), b.id_buf.data() + b.id_buf.size(), n);
        b.m.id =
            std::string_view(b.id_buf.data(), static_cast<std::size_t>(r.ptr - b.id_buf.data()));
        b.m.created_at =
            k_t0 + static_cast<millis>(n) * k_gap / 1000 - static_cast<millis>(mix64(n) % 2000);
        b.em.offset = static_cast<std::int64_t>(n);
        return b.em;
    }
};

/// Fold of realistic mentions into one partition's windows (60 s tumbling, 1,000 brands),
/// sealing every 1,000 mentions and recycling spent partials as a pipeline would.
/// The shard under test, checked and warmed once (Google Benchmark calls the function several
/// times; each call continues the same stream).
struct fold_state {
    fold_fixture fx;
    window_options opts;
    partition_windows pw{opts, k_brands};
    std::uint64_t n = 0;
    bool ok = true;

    fold_state() {
        std::vector<window_partial> out;
        // Check against a plain count first: every mention folded once into `*`.
        partition_windows check(opts, k_brands);
        std::uint64_t folded = 0;
        for (std::uint64_t i = 0; i < 30'000; ++i) {
            folded += check.add(fx.next(i), check.local_watermark()) == fold_result::folded;
        }
        check.seal_all(out);
        std::uint64_t in_windows = 0;
        for (const auto& p : out) {
            in_windows += p.all->mentions;
        }
        ok = folded == 30'000 && in_windows == folded;
        out.clear();
        // Warm up: 80 s of event time, past the first sealed window, so free lists and
        // sketches are in steady state.
        for (; n < 160'000; ++n) {
            (void)pw.add(fx.next(n), pw.local_watermark());
            if (n % 1000 == 0) {
                pw.seal(pw.local_watermark(), out);
                for (auto& p : out) {
                    pw.recycle(std::move(p));
                }
                out.clear();
            }
        }
    }
};

void BM_PartitionWindows_Fold(benchmark::State& state) {
    static fold_state fs;
    if (!fs.ok) {
        state.SkipWithError("fold lost or duplicated mentions");
        return;
    }
    fold_fixture& fx = fs.fx;
    partition_windows& pw = fs.pw;
    std::uint64_t& n = fs.n;
    std::vector<window_partial> out;
    std::int64_t bytes = 0;
    for (auto _ : state) {
        const enriched_mention& em = fx.next(n);
        benchmark::DoNotOptimize(pw.add(em, pw.local_watermark()));
        bytes += static_cast<std::int64_t>(em.m->id.size() + em.m->author_id.size());
        for (const auto h : em.hashtags) {
            bytes += static_cast<std::int64_t>(h.size());
        }
        for (const auto t : em.terms) {
            bytes += static_cast<std::int64_t>(t.size());
        }
        if (++n % 1000 == 0) {
            pw.seal(pw.local_watermark(), out);
            for (auto& p : out) {
                pw.recycle(std::move(p));
            }
            out.clear();
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(bytes);
    state.counters["open_windows"] = static_cast<double>(pw.open_windows());
}
BENCHMARK(BM_PartitionWindows_Fold);

/// Adds author ids; the sketch is reset after range(0) adds (1,000: sparse; 1,000,000: dense).
void BM_HyperLogLog_Add(benchmark::State& state) {
    const auto per_sketch = static_cast<std::size_t>(state.range(0));
    std::vector<std::string> authors;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 1 << 16; ++i) {
        authors.push_back(std::to_string(rng() % 100'000'000));
    }
    hyperloglog h;
    for (const auto& a : authors) {
        h.add(a);
    }
    if (h.estimate() == 0) {
        state.SkipWithError("estimate is zero");
        return;
    }
    h.reset();
    std::size_t i = 0;
    std::size_t in_sketch = 0;
    std::int64_t bytes = 0;
    for (auto _ : state) {
        const std::string& a = authors[i++ & 0xFFFF];
        h.add(a);
        bytes += static_cast<std::int64_t>(a.size());
        if (++in_sketch == per_sketch) {
            in_sketch = 0;
            h.reset();
        }
    }
    benchmark::DoNotOptimize(h.estimate());
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_HyperLogLog_Add)->Arg(1000)->Arg(1'000'000);

/// Adds Zipf-distributed hashtags to a 1,000-counter sketch over range(0) distinct keys
/// (500: exact; 20,000: evictions).
void BM_SpaceSaving_Add(benchmark::State& state) {
    const auto distinct = static_cast<std::size_t>(state.range(0));
    std::mt19937_64 rng(9);
    std::vector<std::string> words;
    for (std::size_t i = 0; i < distinct; ++i) {
        words.push_back(word(rng, 3, 14, '#'));
    }
    std::vector<std::uint32_t> stream(1 << 16);
    for (auto& s : stream) {
        s = static_cast<std::uint32_t>(zipf(rng, distinct));
    }
    space_saving<std::string> ss(1000);
    // Check: the most frequent key is counted exactly when the sketch is exact.
    for (const auto s : stream) {
        ss.add(words[s]);
    }
    if (distinct <= 1000 && ss.top(1).at(0).count != static_cast<std::uint64_t>(std::count(
                                                         stream.begin(), stream.end(), 0U))) {
        state.SkipWithError("space_saving top count differs from the exact count");
        return;
    }
    ss.reset();
    std::size_t i = 0;
    std::int64_t bytes = 0;
    for (auto _ : state) {
        const std::string& w = words[stream[i++ & 0xFFFF]];
        ss.add(w);
        bytes += static_cast<std::int64_t>(w.size());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SpaceSaving_Add)->Arg(500)->Arg(20'000);

} // namespace

BENCHMARK_MAIN();
