// Fuzzes the per-mention text path with arbitrary mention texts: normalise → match brands →
// hashtags and terms → sentiment, then the whole replay engine (window fold, window records,
// detection) on a record carrying the text. Built two ways: a libFuzzer target (fuzz preset)
// and a seeded replay driver (text_fuzz_smoke, label unit, so ASan+UBSan CI runs it).
//
// The input's first byte picks the language; the rest, made valid UTF-8 (invalid bytes become
// U+FFFD, as the parser never hands on invalid text), is the text. Invariants:
//  - the normalised text is valid UTF-8 and normalising it again changes nothing;
//  - matched brand ids are distinct and in range;
//  - hashtags and terms are distinct and point into the normalised text, hashtags start with
//    `#`, terms are not stopwords and have at least 3 code points;
//  - the sentiment score is finite and in [-1, 1];
//  - the engine accepts a record with this text; its window records (emitted by the next call)
//    are valid JSON and count one mention.
#include "pulso/config/config.h"
#include "pulso/pipeline/replay_engine.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace pulso;

namespace {

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "text_fuzz: invariant failed: %s: ", #cond);                      \
            std::fprintf(stderr, __VA_ARGS__);                                                     \
            std::fprintf(stderr, "\n");                                                            \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

constexpr std::string_view k_brands = R"(brands:
  - {name: acme, keywords: [acme, acme corp], handles: ['@acme'], hashtags: ['#acme'], exclude: [acme road runner]}
  - {name: cafe_andino, keywords: [Café Andino], handles: ['@cafeandino'], hashtags: ['#cafeandino']}
  - {name: telco_sur, keywords: [TelcoSur, Telco Sur], handles: ['@telcosur'], hashtags: ['#telcosur']}
  - {name: nihon, keywords: [日本語], hashtags: ['#日本']}
)";

/// Length of the valid UTF-8 sequence at s[i], or 0 if there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    auto cont = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0U) == 0x80U;
    };
    std::size_t n = 0;
    if (c < 0x80) {
        n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = cont(1) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
        const auto c1 = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
        const bool bad =
            (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0); // overlong, surrogate
        n = cont(1) && cont(2) && !bad ? 3 : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
        const auto c1 = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
        const bool bad = (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90);
        n = cont(1) && cont(2) && cont(3) && !bad ? 4 : 0;
    }
    return n;
}

std::string valid_utf8(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_length(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_length(s, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    }
    return n;
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void json_escape(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += ch;
        }
    }
}

/// Keeps what the engine emits.
class collect final : public record_sink {
  public:
    void emit(record_kind kind, std::string_view, std::string_view json) override {
        records.emplace_back(kind, std::string(json));
    }
    std::vector<std::pair<record_kind, std::string>> records;
};

void check_tokens(std::string_view normalized, const token_lists& t) {
    for (std::size_t i = 0; i < t.hashtags.size(); ++i) {
        const std::string_view h = t.hashtags[i];
        FUZZ_CHECK(inside(h, normalized), "hashtag outside the text");
        FUZZ_CHECK(h.size() >= 2 && h[0] == '#', "hashtag '%.*s'", static_cast<int>(h.size()),
                   h.data());
        for (std::size_t j = 0; j < i; ++j) {
            FUZZ_CHECK(t.hashtags[j] != h, "hashtag repeated");
        }
    }
    for (std::size_t i = 0; i < t.terms.size(); ++i) {
        const std::string_view w = t.terms[i];
        FUZZ_CHECK(inside(w, normalized), "term outside the text");
        FUZZ_CHECK(code_points(w) >= 3, "term '%.*s' shorter than 3 code points",
                   static_cast<int>(w.size()), w.data());
        FUZZ_CHECK(!is_stopword(w), "stopword term '%.*s'", static_cast<int>(w.size()), w.data());
        for (std::size_t j = 0; j < i; ++j) {
            FUZZ_CHECK(t.terms[j] != w, "term repeated");
        }
    }
}

void check_engine_output(const collect& out) {
    static simdjson::dom::parser parser;
    for (const auto& [kind, json] : out.records) {
        FUZZ_CHECK(kind != record_kind::dead_letter, "a record was rejected: %s", json.c_str());
        simdjson::dom::element doc;
        FUZZ_CHECK(parser.parse(json).get(doc) == simdjson::SUCCESS, "invalid JSON: %s",
                   json.c_str());
        if (kind == record_kind::window) {
            std::uint64_t mentions = 0;
            FUZZ_CHECK(doc["mentions"].get(mentions) == simdjson::SUCCESS && mentions == 1,
                       "a window of one mention: %s", json.c_str());
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const config cfg = load_config_text(std::string(k_brands), "text_fuzz");
    static const brand_matcher matcher(cfg.brands);
    static brand_matcher::scratch scratch(matcher);
    static normalizer norm;
    static normalizer again;
    static token_lists tokens;
    static std::vector<std::uint32_t> brands;
    static constexpr std::array<std::string_view, 6> langs = {"en",  "es", "pt",
                                                              "und", "fr", "es-419"};
    // The parser's limit (ingest.max_text_bytes) is not what is fuzzed here: at most 1 KiB of
    // input, at most 3 KiB of text once invalid bytes became U+FFFD.
    if (size == 0 || size > 1025) {
        return 0;
    }
    const std::string_view lang = langs[data[0] % langs.size()];
    const std::string text =
        valid_utf8(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));

    const std::string_view normalized = norm.normalize(text);
    FUZZ_CHECK(is_valid_utf8(normalized), "normalised text is not valid UTF-8");
    const std::string_view twice = again.normalize(normalized);
    FUZZ_CHECK(twice == normalized, "normalising twice changed '%.*s' into '%.*s'",
               static_cast<int>(normalized.size()), normalized.data(),
               static_cast<int>(twice.size()), twice.data());

    matcher.match(normalized, scratch, brands);
    for (std::size_t i = 0; i < brands.size(); ++i) {
        FUZZ_CHECK(brands[i] < matcher.brand_count(), "brand id %u", brands[i]);
        for (std::size_t j = 0; j < i; ++j) {
            FUZZ_CHECK(brands[j] != brands[i], "brand %u matched twice", brands[i]);
        }
    }

    extract_tokens(normalized, tokens);
    check_tokens(normalized, tokens);

    const float score = lexicon_scorer::builtin().score(text, normalized, lang);
    FUZZ_CHECK(std::isfinite(score) && score >= -1.0F && score <= 1.0F, "score %f",
               static_cast<double>(score));

    // The whole engine: one record per call, each in the next window, so this call's feed
    // closes (and emits) the previous record's windows.
    static collect out;
    static replay_engine engine(cfg, out, "fuzz");
    static std::int64_t n = 0;
    ++n;
    std::string line = "{\"id\":\"f" + std::to_string(n) +
                       "\",\"platform\":\"twitter\",\"created_at\":" +
                       std::to_string(1'795'000'000'000 + n * 60'000) +
                       ",\"author\":{\"id\":\"a1\",\"followers\":10},\"lang\":\"";
    line.append(lang).append("\",\"text\":\"");
    json_escape(text, line);
    line += "\"}";
    out.records.clear();
    engine.feed(line, n, false);
    check_engine_output(out);
    FUZZ_CHECK(n == 1 || !out.records.empty(), "the previous record's windows were not emitted");
    return 0;
}
