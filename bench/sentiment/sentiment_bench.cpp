#include "eval_normalize.h"
#include "eval_set.h"
#include "pulso/generator/generator.h"
#include "pulso/parse/mention_parser.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "pulso/text/normalizer.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using pulso::sentiment_eval::classify;
using pulso::sentiment_eval::polarity;

struct sample {
    const char* lang;
    const char* raw;
    polarity expected;
};

// Mention-shaped texts of ~100-200 bytes, mixed es/en/pt, with emoji, CAPS and handles.
const sample samples[] = {
    {"es",
     "@TelcoMX otra vez sin internet en toda la colonia, llevo tres días reportando la falla "
     "y nadie me da una solución. Qué desastre 😡 #apagon",
     polarity::negative},
    {"es",
     "Excelente atención en la tienda de Polanco, muy amables y rápidos. Me encantó el "
     "nuevo modelo, lo recomiendo al cien 👏👏 @TiendaTop",
     polarity::positive},
    {"es",
     "¿Alguien sabe a qué hora abre la sucursal del centro mañana? Necesito recoger un "
     "paquete de @Correos antes de ir a la oficina",
     polarity::neutral},
    {"es",
     "No me gustó NADA la hamburguesa de @BurgerYa, llegó fría y sin sabor. Pésimo "
     "servicio de entrega!!! Nunca más pido ahí",
     polarity::negative},
    {"en",
     "Worst customer service ever, I've been on hold for 2 hours and still no answer from "
     "@FastNet. Totally unacceptable 😤 #outage",
     polarity::negative},
    {"en",
     "Loved the new flavor from @MoonCafe, honestly one of the best coffees I've had this "
     "year. Friendly staff and super fast service ☕😍",
     polarity::positive},
    {"en",
     "Does anyone know if the downtown store opens on Sunday? I need to pick up my order "
     "before the trip, tracking number 48213",
     polarity::neutral},
    {"en",
     "The app isn't bad at all after the update, but the login still fails sometimes. "
     "Support was helpful though, thanks @ShopTop",
     polarity::positive},
    {"pt",
     "Atendimento péssimo da @VivaNet, estou há 3 semanas sem internet e ninguém resolve. "
     "Que vergonha, vou cancelar!!! 😡 #foradoar",
     polarity::negative},
    {"pt",
     "Amei o novo sabor da @CafeLua, chegou rapidinho e bem embalado. Atendimento nota 10, "
     "recomendo demais ❤️ #cafe",
     polarity::positive},
    {"pt",
     "Alguém sabe que horas abre a agência da Paulista amanhã? Preciso levar uns documentos "
     "pro @BancoSul antes do trabalho",
     polarity::neutral},
    {"pt",
     "Não gostei nada da entrega, o produto veio quebrado e o vendedor sumiu. Não recomendo "
     "essa loja pra ninguém 👎",
     polarity::negative},
};

struct prepared {
    std::string lang;
    std::string raw;
    std::string normalized;
    polarity expected;
};

std::vector<prepared> prepare() {
    std::vector<prepared> out;
    for (const sample& s : samples) {
        out.push_back(
            {s.lang, s.raw, pulso::sentiment_eval::normalize_for_eval(s.raw), s.expected});
    }
    return out;
}

/// The timed loop: scores `texts` in turn (raw, normalised, lang), one per iteration;
/// `bytes_per_round` is the normalised bytes of one pass over them.
template <class Text>
void score_in_turn(benchmark::State& state, const std::vector<Text>& texts,
                   std::size_t bytes_per_round) {
    const auto& scorer = pulso::lexicon_scorer::builtin();
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& t = texts[i];
        benchmark::DoNotOptimize(scorer.score(t.raw, t.normalized, t.lang));
        i = i + 1 == texts.size() ? 0 : i + 1;
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes_per_round / texts.size()));
}

void BM_LexiconScorer_Score(benchmark::State& state) {
    const auto texts = prepare();
    const auto& scorer = pulso::lexicon_scorer::builtin();
    std::size_t bytes_per_round = 0;
    for (const auto& t : texts) {
        const polarity got = classify(scorer.score(t.raw, t.normalized, t.lang));
        if (got != t.expected) {
            state.SkipWithError(("unexpected class for: " + t.raw).c_str());
            return;
        }
        bytes_per_round += t.normalized.size();
    }
    score_in_turn(state, texts, bytes_per_round);
    state.counters["mentions_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LexiconScorer_Score);

// The scorer's share of the replay path: the texts of generated mentions (seed 11, as
// bench/pipeline/replay_bench), parsed and normalised as the enricher does, scored in order.
struct generated_text {
    std::string raw;
    std::string normalized;
    std::string lang;
};

const std::vector<generated_text>& generated_texts() {
    static const std::vector<generated_text> texts = [] {
        std::vector<generated_text> out;
        pulso::generator_options o;
        o.rate = 2000;
        o.duration = 10'000; // 20,000 mentions: a working set like the replay's
        o.seed = 11;
        pulso::mention_generator g(o);
        pulso::mention_parser parser;
        pulso::normalizer norm;
        std::string line;
        pulso::millis t = 0;
        while (true) {
            line.clear();
            if (!g.next(line, t)) {
                break;
            }
            pulso::mention m;
            if (parser.parse(line, m, false).reason != pulso::reject_reason::none ||
                m.has_sentiment) {
                continue;
            }
            out.push_back({std::string(m.text), std::string(norm.normalize(m.text)),
                           std::string(m.lang.view())});
        }
        return out;
    }();
    return texts;
}

void BM_LexiconScorer_Generated(benchmark::State& state) {
    const auto& texts = generated_texts();
    if (texts.empty()) {
        state.SkipWithError("no generated texts");
        return;
    }
    std::size_t bytes = 0;
    for (const auto& t : texts) {
        bytes += t.normalized.size();
    }
    score_in_turn(state, texts, bytes);
}
BENCHMARK(BM_LexiconScorer_Generated);

} // namespace

BENCHMARK_MAIN();
