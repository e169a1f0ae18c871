// Benchmarks for engine/parse: mention_parser on realistic mention-shaped JSON lines, and raw
// simdjson On-Demand over the same lines as the ceiling.
#include "pulso/parse/mention_parser.h"
#include "simdjson_touch.h"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace pulso;

constexpr std::size_t k_records = 10'000;
constexpr std::size_t k_padding = simdjson::SIMDJSON_PADDING;

struct corpus {
    std::string storage; ///< records back to back, each followed by k_padding spare bytes
    std::vector<std::string_view> lines;
    std::vector<std::uint64_t> likes; ///< expected values, for validation before timing
    std::vector<millis> created_at;
    std::size_t bytes = 0;
};

/// Mixed es/en/pt mention texts, 80–280 bytes, with hashtags and handles.
std::string make_text(std::mt19937_64& rng) {
    static constexpr std::array<std::string_view, 48> k_words = {
        "el",      "servicio",  "de",           "atención", "pésimo",      "excelente",
        "pedido",  "no",        "llega",        "gracias",  "muy",         "bueno",
        "the",     "delivery",  "was",          "late",     "again",       "great",
        "support", "refund",    "never",        "love",     "this",        "app",
        "o",       "produto",   "chegou",       "quebrado", "atendimento", "ótimo",
        "não",     "recomendo", "obrigado",     "@acme",    "@soporte",    "#acme",
        "#fail",   "#apagón",   "#blackfriday", "ya",       "hoy",         "today",
        "ontem",   "por",       "favor",        "please",   "😡",           "👍"};
    const std::size_t target = std::uniform_int_distribution<std::size_t>(80, 280)(rng);
    std::string t;
    while (t.size() < target) {
        const auto& w = k_words[std::uniform_int_distribution<std::size_t>(0, 47)(rng)];
        if (t.size() + w.size() + 1 > 280) {
            break;
        }
        if (!t.empty()) {
            t += ' ';
        }
        t += w;
    }
    if (std::bernoulli_distribution(0.1)(rng)) {
        t += " \\\"cita\\\"\\n"; // some escapes, as real payloads have
    }
    return t;
}

corpus build_corpus() {
    corpus c;
    std::mt19937_64 rng(42);
    static constexpr std::array<std::string_view, 6> k_platforms = {
        "twitter", "facebook", "instagram", "tiktok", "youtube", "news"};
    static constexpr std::array<std::string_view, 5> k_langs = {"es", "en", "pt", "es-MX", "pt-BR"};
    static constexpr std::array<std::string_view, 5> k_countries = {"MX", "AR", "BR", "US", "ES"};
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < k_records; ++i) {
        const std::uint64_t id = 1860000000000000000ULL + rng() % 1000000000000ULL;
        const millis t = 1795665600000 + static_cast<millis>(rng() % 3'600'000);
        const std::uint64_t likes = rng() % 5000;
        char ts[32];
        format_rfc3339(t, ts, true);
        // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on long
        // chains of `"literal" + std::string`.
        std::string s = "{\"id\":\"";
        s += std::to_string(id);
        s += "\",\"platform\":\"";
        s += k_platforms[rng() % k_platforms.size()];
        s += "\",\"created_at\":";
        if (i % 4 == 0) {
            s += std::to_string(t);
        } else {
            s += '"';
            s += ts;
            s += '"';
        }
        s += ",\"text\":\"";
        s += make_text(rng);
        s += "\",\"author\":{\"id\":\"u";
        s += std::to_string(rng() % 1000000);
        s += "\",\"handle\":\"@user";
        s += std::to_string(rng() % 1000000);
        s += "\",\"followers\":";
        s += std::to_string(rng() % 2000000);
        s += ",\"verified\":";
        s += rng() % 10 == 0 ? "true" : "false";
        s += "},\"lang\":\"";
        s += k_langs[rng() % k_langs.size()];
        s += "\",\"engagement\":{\"likes\":";
        s += std::to_string(likes);
        s += ",\"shares\":";
        s += std::to_string(rng() % 500);
        s += ",\"comments\":";
        s += std::to_string(rng() % 300);
        s += ",\"views\":";
        s += std::to_string(rng() % 100000);
        s += "}";
        if (rng() % 5 == 0) {
            s += ",\"repost_of\":\"";
            s += std::to_string(id - 17);
            s += '"';
        }
        if (rng() % 2 == 0) {
            s += ",\"country\":\"";
            s += k_countries[rng() % k_countries.size()];
            s += '"';
        }
        if (rng() % 3 == 0) {
            s += ",\"url\":\"https://example.com/status/";
            s += std::to_string(id);
            s += '"';
        }
        s += "}";
        c.likes.push_back(likes);
        c.created_at.push_back(t);
        c.bytes += s.size();
        lines.push_back(std::move(s));
    }
    std::vector<std::size_t> offsets;
    for (const auto& l : lines) {
        offsets.push_back(c.storage.size());
        c.storage += l;
        c.storage.append(k_padding, ' ');
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        c.lines.emplace_back(c.storage.data() + offsets[i], lines[i].size());
    }
    return c;
}

const corpus& get_corpus() {
    static const corpus c = build_corpus();
    return c;
}

void BM_MentionParser_Parse(benchmark::State& state) {
    const corpus& c = get_corpus();
    const bool padded = state.range(0) != 0;
    mention_parser parser;
    mention m;
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
        const parse_status st = parser.parse(c.lines[i], m, padded);
        if (!st.ok() || m.likes != c.likes[i] || m.created_at != c.created_at[i] ||
            m.author_id.empty() || m.text.size() < 80) {
            state.SkipWithError(("record " + std::to_string(i) + " parsed wrongly: " +
                                 std::string(to_string(st.reason)) + " " + std::string(st.field))
                                    .c_str());
            return;
        }
    }
    std::size_t i = 0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string_view line = c.lines[i];
        const parse_status st = parser.parse(line, m, padded);
        benchmark::DoNotOptimize(st);
        benchmark::DoNotOptimize(m.likes);
        bytes += line.size();
        if (++i == c.lines.size()) {
            i = 0;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.SetLabel(padded ? "padded input" : "unpadded input (copied)");
}
BENCHMARK(BM_MentionParser_Parse)->Arg(0)->Arg(1);

/// The ceiling: simdjson On-Demand alone, one pass over the fields touching ten of them.
void BM_Simdjson_Iterate(benchmark::State& state) {
    const corpus& c = get_corpus();
    simdjson::ondemand::parser parser;
    bench::touch_result r;
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
        if (!bench::simdjson_touch(parser, c.lines[i], r) || r.touched != 10 ||
            r.likes != c.likes[i]) {
            state.SkipWithError(("simdjson pass failed on record " + std::to_string(i)).c_str());
            return;
        }
    }
    std::size_t i = 0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(bench::simdjson_touch(parser, c.lines[i], r));
        benchmark::DoNotOptimize(r.sum);
        bytes += c.lines[i].size();
        if (++i == c.lines.size()) {
            i = 0;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Simdjson_Iterate);

} // namespace

BENCHMARK_MAIN();
