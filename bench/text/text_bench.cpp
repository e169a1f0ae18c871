// Benchmarks of engine/text on generated mention texts (fixed seed, no other module needed).
// Every benchmark checks its results against a plain reference before timing.

#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"

#include <benchmark/benchmark.h>
#include <utf8proc.h>

#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

constexpr std::uint64_t k_seed = 20261126;
constexpr std::size_t k_texts = 4096;
constexpr std::size_t k_brands = 1000;

struct corpus {
    std::vector<std::string> brand_display; ///< how texts write the brand ("Café Vita")
    std::vector<pulso::brand_rule> rules;
    std::vector<std::string> texts;      ///< raw mention texts
    std::vector<std::string> normalized; ///< reference-normalised texts
};

const std::vector<std::string> k_heads = {
    "nova",  "tele",  "andi", "sol",   "luz",   "merca", "banco", "vita",   "eco",   "flex",
    "aero",  "agro",  "bio",  "cielo", "delta", "estre", "fibra", "gala",   "hiper", "inter",
    "jet",   "kilo",  "lumi", "mega",  "norte", "omni",  "pampa", "quanta", "rio",   "sur",
    "terra", "ultra", "vale", "wave",  "xeno",  "yara",  "zen",   "alto",   "brisa", "costa"};
const std::vector<std::string> k_tails = {
    "tech", "mart",  "fone",   "net",   "via",     "bank",    "foods", "air", "max",  "pay", "go",
    "link", "store", "motors", "salud", "seguros", "energia", "cell",  "box", "home", "trip"};
const std::vector<std::string> k_accented_display = {"Café", "Ñandú", "Açaí",   "Limón", "São",
                                                     "Pão",  "Árbol", "Música", "Línea", "Tchê"};

const std::vector<std::vector<std::string>> k_ascii_words = {
    // es
    {"el",       "servicio",   "de",     "hoy",      "no",      "funciona", "otra",  "vez",
     "quiero",   "mi",         "dinero", "la",       "app",     "se",       "cae",   "cada",
     "dia",      "muy",        "buena",  "atencion", "gracias", "por",      "nada",  "precio",
     "subio",    "mucho",      "tienda", "cerrada",  "pedido",  "llego",    "tarde", "excelente",
     "producto", "recomiendo", "pesimo", "cliente",  "soporte", "respuesta"},
    // en
    {"the",     "service",  "is",     "down",     "again",   "i",        "want",       "my",
     "refund",  "app",      "keeps",  "crashing", "great",   "support",  "thanks",     "for",
     "nothing", "price",    "went",   "up",       "store",   "closed",   "order",      "arrived",
     "late",    "love",     "this",   "product",  "worst",   "customer", "experience", "ever",
     "fast",    "delivery", "broken", "screen",   "battery", "update"},
    // pt
    {"o",           "servico",    "caiu",     "de",      "novo",    "quero",    "meu",
     "dinheiro",    "aplicativo", "trava",    "todo",    "dia",     "muito",    "bom",
     "atendimento", "obrigado",   "preco",    "subiu",   "loja",    "fechada",  "pedido",
     "chegou",      "atrasado",   "adorei",   "produto", "pior",    "cliente",  "entrega",
     "rapida",      "tela",       "quebrada", "bateria", "suporte", "resposta", "demora"}};
const std::vector<std::vector<std::string>> k_accented_words = {
    {"atención", "está", "también", "perdí", "línea", "teléfono", "señal", "mañana", "apagón",
     "reputación", "¡increíble!", "¿por", "qué?", "según", "después", "pésimo"},
    {"café", "naïve", "résumé", "über", "fiancée", "rosé", "déjà", "vu", "jalapeño", "piñata"},
    {"não", "você", "também", "está", "serviço", "aplicação", "péssimo", "atenção", "é", "já",
     "preço", "ótimo", "manutenção", "conexão", "três", "dúvida"}};
const std::vector<std::string> k_emoji = {"😡", "🔥", "😀", "👍🏽", "❤️",
                                          "🙏", "😭", "🚀", "💸",        "📉"};

std::string slug(std::string_view display) {
    std::string s = pulso::normalize_copy(display);
    std::string out;
    for (char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out.push_back(c);
        } else if (c == ' ') {
            out.push_back('-');
        }
    }
    return out;
}

/// Brands plus k_texts mention texts of `min_len`..`max_len` bytes (before the cut at 280).
corpus make_corpus(std::size_t min_len, std::size_t max_len) {
    corpus c;
    std::mt19937_64 rng(k_seed);
    auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    };
    std::unordered_set<std::string> used;
    while (c.rules.size() < k_brands) {
        std::string display;
        const int shape = std::uniform_int_distribution<int>(0, 9)(rng);
        if (shape < 6) {
            display = pick(k_heads) + pick(k_tails);
            display[0] = static_cast<char>(display[0] - 32);
        } else if (shape < 8) {
            display = pick(k_heads) + " " + pick(k_tails);
        } else {
            display = pick(k_accented_display) + " " + pick(k_heads);
        }
        if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
            display += std::to_string(std::uniform_int_distribution<int>(1, 99)(rng));
        }
        std::string name = slug(display);
        if (!used.insert(name).second) {
            continue;
        }
        pulso::brand_rule r;
        r.name = name;
        r.keywords = {display};
        c.rules.push_back(std::move(r));
        c.brand_display.push_back(display);
    }
    for (std::size_t t = 0; t < k_texts; ++t) {
        const std::size_t lang = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
        const bool rich = std::uniform_int_distribution<int>(0, 9)(rng) < 3; // ~30 %
        const std::size_t target =
            std::uniform_int_distribution<std::size_t>(min_len, max_len)(rng);
        const int mentions = std::uniform_int_distribution<int>(0, 2)(rng);
        std::vector<std::string> parts;
        std::size_t len = 0;
        while (len + 12 < target) {
            std::string w;
            const int r = std::uniform_int_distribution<int>(0, 99)(rng);
            if (rich && r < 20) {
                w = pick(k_accented_words[lang]);
            } else if (rich && r < 25) {
                w = pick(k_emoji);
            } else if (r < 28) {
                w = "#" + pick(k_ascii_words[lang]);
            } else if (r < 29) {
                w = "https://t.co/" + std::to_string(rng() % 100000);
            } else if (r < 31) {
                w = "@user" + std::to_string(rng() % 1000);
            } else {
                w = pick(k_ascii_words[lang]);
                if (r < 35) {
                    w[0] = static_cast<char>(w[0] >= 'a' && w[0] <= 'z' ? w[0] - 32 : w[0]);
                }
            }
            len += w.size() + 1;
            parts.push_back(std::move(w));
        }
        for (int m = 0; m < mentions; ++m) {
            const std::string& b = pick(c.brand_display);
            const std::size_t at = std::uniform_int_distribution<std::size_t>(0, parts.size())(rng);
            parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(at),
                         m == 0 && rich ? b + "!" : b);
        }
        std::string text;
        for (const std::string& p : parts) {
            if (!text.empty()) {
                text += (rng() % 17 == 0) ? "  " : " ";
            }
            text += p;
        }
        if (text.size() > 280) {
            // Cut at a code point boundary.
            std::size_t cut = 280;
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
                --cut;
            }
            text.resize(cut);
        }
        c.texts.push_back(std::move(text));
    }
    return c;
}

// ---- plain references ----

std::string reference_normalize(const std::string& in) {
    utf8proc_uint8_t* mapped = nullptr;
    const auto opts =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    const auto len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                                  static_cast<utf8proc_ssize_t>(in.size()), &mapped, opts);
    if (len < 0) {
        return "<invalid>";
    }
    std::string m(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(len));
    std::free(mapped);
    // Generated texts use only ASCII white space.
    std::string out;
    bool pending = false;
    for (char ch : m) {
        if (ch == ' ' || ch == '\t' || ch == '\n') {
            pending = true;
            continue;
        }
        if (pending && !out.empty()) {
            out.push_back(' ');
        }
        pending = false;
        out.push_back(ch);
    }
    return out;
}

std::vector<char32_t> code_points(std::string_view s, std::vector<std::size_t>& offsets) {
    std::vector<char32_t> cps;
    offsets.clear();
    for (std::size_t i = 0; i < s.size();) {
        utf8proc_int32_t cp = -1;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                        static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
        offsets.push_back(i);
        cps.push_back(static_cast<char32_t>(cp));
        i += static_cast<std::size_t>(n);
    }
    offsets.push_back(s.size());
    return cps;
}

std::vector<std::uint32_t> reference_match(const corpus& c, const std::string& text) {
    std::vector<std::size_t> off;
    const auto cps = code_points(text, off);
    auto word_at = [&](std::size_t byte) { // is the code point starting at `byte` a word char
        for (std::size_t k = 0; k + 1 < off.size(); ++k) {
            if (off[k] == byte) {
                return pulso::is_word_char(cps[k]);
            }
        }
        return false;
    };
    auto word_before = [&](std::size_t byte) {
        for (std::size_t k = 1; k < off.size(); ++k) {
            if (off[k] == byte) {
                return pulso::is_word_char(cps[k - 1]);
            }
        }
        return false;
    };
    std::vector<std::uint32_t> out;
    for (std::uint32_t b = 0; b < c.rules.size(); ++b) {
        const std::string pat = pulso::normalize_copy(c.rules[b].keywords[0]);
        for (std::size_t p = text.find(pat); p != std::string::npos; p = text.find(pat, p + 1)) {
            if (!word_before(p) && !word_at(p + pat.size())) {
                out.push_back(b);
                break;
            }
        }
    }
    return out;
}

bool reference_tokens_equal(std::string_view text, const pulso::token_lists& got) {
    std::vector<std::size_t> off;
    const auto cps = code_points(text, off);
    std::vector<std::string_view> tags;
    std::vector<std::string_view> terms;
    std::set<std::string_view> seen_tags;
    std::set<std::string_view> seen_terms;
    std::size_t k = 0;
    while (k < cps.size()) {
        const bool boundary_before = k == 0 || !pulso::is_word_char(cps[k - 1]);
        const std::string_view rest = text.substr(off[k]);
        if (boundary_before && (rest.starts_with("http://") || rest.starts_with("https://") ||
                                rest.starts_with("www."))) {
            while (k < cps.size() && cps[k] != U' ') {
                ++k;
            }
            continue;
        }
        if (boundary_before && cps[k] == U'#' && k + 1 < cps.size() &&
            pulso::is_word_char(cps[k + 1])) {
            std::size_t e = k + 1;
            while (e < cps.size() && pulso::is_word_char(cps[e])) {
                ++e;
            }
            const auto tag = text.substr(off[k], off[e] - off[k]);
            if (seen_tags.insert(tag).second) {
                tags.push_back(tag);
            }
            k = e;
            continue;
        }
        if (pulso::is_word_char(cps[k])) {
            std::size_t e = k;
            bool digits = true;
            while (e < cps.size() && pulso::is_word_char(cps[e])) {
                digits = digits && utf8proc_category(static_cast<utf8proc_int32_t>(cps[e])) ==
                                       UTF8PROC_CATEGORY_ND;
                ++e;
            }
            const auto term = text.substr(off[k], off[e] - off[k]);
            const bool sigil = k > 0 && (cps[k - 1] == U'#' || cps[k - 1] == U'@');
            if (!sigil && e - k >= 3 && !digits && !pulso::is_stopword(term) &&
                seen_terms.insert(term).second) {
                terms.push_back(term);
            }
            k = e;
            continue;
        }
        ++k;
    }
    return tags == got.hashtags && terms == got.terms;
}

/// The corpus of each text length: long (80–280 bytes, tweets at their longest) and short
/// (40–120 bytes, what the replay path mostly sees: per-call overhead weighs more).
enum class length { long_texts, short_texts };

const corpus& data(length l) {
    static const corpus long_c = make_corpus(80, 280);
    static const corpus short_c = make_corpus(40, 120);
    return l == length::long_texts ? long_c : short_c;
}

/// Builds the matcher and checks every component against the references once.
struct fixture {
    const corpus& c;
    pulso::brand_matcher matcher{c.rules};
    std::string error;
    std::size_t bytes = 0;
    std::size_t texts_with_brand = 0;

    explicit fixture(length l) : c(data(l)) {
        pulso::normalizer n;
        pulso::brand_matcher::scratch s(matcher);
        std::vector<std::uint32_t> ids;
        pulso::token_lists tokens;
        for (std::size_t i = 0; i < c.texts.size(); ++i) {
            bytes += c.texts[i].size();
            const std::string expected = reference_normalize(c.texts[i]);
            const std::string got(n.normalize(c.texts[i]));
            if (got != expected) {
                error = "normalize mismatch on text " + std::to_string(i);
                return;
            }
            matcher.match(got, s, ids);
            if (ids != reference_match(c, got)) {
                error = "brand match mismatch on text " + std::to_string(i);
                return;
            }
            texts_with_brand += ids.empty() ? 0 : 1;
            pulso::extract_tokens(got, tokens);
            if (!reference_tokens_equal(got, tokens)) {
                error = "token mismatch on text " + std::to_string(i);
                return;
            }
        }
        if (texts_with_brand < c.texts.size() / 2) {
            error = "generator: too few texts mention a brand";
        }
    }
};

const fixture& checked(length l) {
    static const fixture long_f(length::long_texts);
    static const fixture short_f(length::short_texts);
    return l == length::long_texts ? long_f : short_f;
}

std::vector<std::string> normalized_texts(const fixture& f) {
    std::vector<std::string> out;
    pulso::normalizer n;
    for (const std::string& t : f.c.texts) {
        out.emplace_back(n.normalize(t));
    }
    return out;
}

void finish(benchmark::State& state, const fixture& f) {
    const auto iters = static_cast<std::int64_t>(state.iterations());
    state.SetItemsProcessed(iters);
    state.SetBytesProcessed(iters * static_cast<std::int64_t>(f.bytes) /
                            static_cast<std::int64_t>(k_texts));
}

/// The corpus a benchmark runs on: its argument (0 long texts, 1 short texts).
length corpus_arg(const benchmark::State& state) {
    return state.range(0) == 0 ? length::long_texts : length::short_texts;
}

void BM_Normalizer_Normalize(benchmark::State& state) {
    const fixture& f = checked(corpus_arg(state));
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    pulso::normalizer n;
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(n.normalize(f.c.texts[i]).size());
        i = (i + 1) % k_texts;
    }
    finish(state, f);
}
BENCHMARK(BM_Normalizer_Normalize)->Arg(0)->Arg(1);

void BM_BrandMatcher_Match(benchmark::State& state) {
    const fixture& f = checked(corpus_arg(state));
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    const auto texts = normalized_texts(f);
    pulso::brand_matcher::scratch s(f.matcher);
    std::vector<std::uint32_t> ids;
    std::size_t i = 0;
    for (auto _ : state) {
        f.matcher.match(texts[i], s, ids);
        benchmark::DoNotOptimize(ids.data());
        i = (i + 1) % k_texts;
    }
    finish(state, f);
    state.counters["brands"] = static_cast<double>(f.matcher.brand_count());
}
BENCHMARK(BM_BrandMatcher_Match)->Arg(0)->Arg(1);

void BM_Tokens_Extract(benchmark::State& state) {
    const fixture& f = checked(corpus_arg(state));
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    const auto texts = normalized_texts(f);
    pulso::token_lists tokens;
    std::size_t i = 0;
    for (auto _ : state) {
        pulso::extract_tokens(texts[i], tokens);
        benchmark::DoNotOptimize(tokens.terms.data());
        i = (i + 1) % k_texts;
    }
    finish(state, f);
}
BENCHMARK(BM_Tokens_Extract)->Arg(0)->Arg(1);

void BM_Text_NormalizeMatch(benchmark::State& state) {
    const fixture& f = checked(corpus_arg(state));
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    pulso::normalizer n;
    pulso::brand_matcher::scratch s(f.matcher);
    std::vector<std::uint32_t> ids;
    std::size_t i = 0;
    for (auto _ : state) {
        f.matcher.match(n.normalize(f.c.texts[i]), s, ids);
        benchmark::DoNotOptimize(ids.data());
        i = (i + 1) % k_texts;
    }
    finish(state, f);
}
BENCHMARK(BM_Text_NormalizeMatch)->Arg(0)->Arg(1);

void BM_Text_NormalizeMatchExtract(benchmark::State& state) {
    const fixture& f = checked(corpus_arg(state));
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    pulso::normalizer n;
    pulso::brand_matcher::scratch s(f.matcher);
    std::vector<std::uint32_t> ids;
    pulso::token_lists tokens;
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string_view text = n.normalize(f.c.texts[i]);
        f.matcher.match(text, s, ids);
        pulso::extract_tokens(text, tokens);
        benchmark::DoNotOptimize(ids.data());
        benchmark::DoNotOptimize(tokens.terms.data());
        i = (i + 1) % k_texts;
    }
    finish(state, f);
}
BENCHMARK(BM_Text_NormalizeMatchExtract)->Arg(0)->Arg(1);

} // namespace

BENCHMARK_MAIN();
