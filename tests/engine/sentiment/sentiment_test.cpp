#include "eval_normalize.h"
#include "pulso/sentiment/lexicon_scorer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <string>

// Counts heap allocations made by this thread while `counting` is set, to prove that score()
// allocates nothing.
namespace {
thread_local bool counting = false;
thread_local long allocations = 0;
} // namespace

void* operator new(std::size_t n) {
    if (counting) {
        ++allocations;
    }
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

using pulso::lexicon_scorer;
using pulso::sentiment_eval::normalize_for_eval;

// Scores a raw text the way the pipeline does: raw for emphasis, normalised for lookups.
float score(const std::string& raw, const char* lang) {
    return lexicon_scorer::builtin().score(raw, normalize_for_eval(raw), lang);
}

TEST(LexiconScorer, ClearCasesPerLanguage) {
    EXPECT_GT(score("Excelente atención, muy amables", "es"), 0.5F);
    EXPECT_LT(score("Pésimo servicio, una estafa", "es"), -0.5F);
    EXPECT_GT(score("Great service, very friendly staff", "en"), 0.5F);
    EXPECT_LT(score("Worst service ever, total scam", "en"), -0.5F);
    EXPECT_GT(score("Atendimento ótimo, adorei", "pt"), 0.5F);
    EXPECT_LT(score("Que lixo de serviço, um golpe", "pt"), -0.5F);
    EXPECT_FLOAT_EQ(score("¿A qué hora abre la tienda?", "es"), 0.0F);
    EXPECT_FLOAT_EQ(score("What time does the store open", "en"), 0.0F);
}

TEST(LexiconScorer, NegationFlipsPolarity) {
    EXPECT_GT(score("me gustó", "es"), 0.05F);
    EXPECT_LT(score("no me gustó", "es"), -0.05F);
    EXPECT_LT(score("¡No me gustó nada!", "es"), -0.05F);
    EXPECT_GT(score("good", "en"), 0.05F);
    EXPECT_LT(score("not good", "en"), -0.05F);
    EXPECT_LT(score("I don't like it", "en"), -0.05F);
    EXPECT_LT(score("I don\u2019t like it", "en"), -0.05F);
    EXPECT_LT(score("I dont like it", "en"), -0.05F);
    EXPECT_LT(score("não gostei", "pt"), -0.05F);
    EXPECT_LT(score("nunca funciona", "pt"), -0.05F);
    // Negation dampens as it flips: |not good| < |good|.
    EXPECT_LT(std::fabs(score("not good", "en")), std::fabs(score("good", "en")));
}

TEST(LexiconScorer, SpanishDoubleNegationNegatesOnce) {
    EXPECT_LT(score("está mal", "es"), -0.05F);
    EXPECT_GT(score("no está nada mal", "es"), 0.05F);
}

TEST(LexiconScorer, NegationStopsAtClausePunctuation) {
    EXPECT_GT(score("No, es excelente", "es"), 0.05F);
    EXPECT_LT(score("No es excelente", "es"), -0.05F);
}

TEST(LexiconScorer, NegationReachesThreeTokensBack) {
    EXPECT_LT(score("no lo recomiendo", "es"), -0.05F);
    EXPECT_LT(score("no se lo recomiendo", "es"), -0.05F);
    EXPECT_GT(score("no a b c recomiendo", "es"), 0.05F); // four tokens back: out of scope
}

TEST(LexiconScorer, IntensifierIncreasesMagnitude) {
    EXPECT_GT(score("muy bueno", "es"), score("bueno", "es"));
    EXPECT_LT(score("muy malo", "es"), score("malo", "es"));
    EXPECT_GT(score("very good", "en"), score("good", "en"));
    EXPECT_LT(score("extremely bad", "en"), score("bad", "en"));
    EXPECT_GT(score("muito bom", "pt"), score("bom", "pt"));
    EXPECT_LT(score("bem lento", "pt"), score("lento", "pt"));
}

TEST(LexiconScorer, DampenerDecreasesMagnitude) {
    EXPECT_LT(score("slightly good", "en"), score("good", "en"));
    EXPECT_GT(score("slightly good", "en"), 0.05F);
    EXPECT_GT(score("un poco lento", "es"), score("lento", "es"));
    EXPECT_GT(score("meio caro", "pt"), score("caro", "pt"));
}

TEST(LexiconScorer, EmojiContribute) {
    EXPECT_FLOAT_EQ(score("mi pedido", "es"), 0.0F);
    EXPECT_LT(score("mi pedido 😡", "es"), -0.05F);
    EXPECT_GT(score("mi pedido 😍", "es"), 0.05F);
    EXPECT_GT(score("my order ❤️", "en"), 0.05F);   // with variation selector
    EXPECT_GT(score("o pedido 👍🏽", "pt"), 0.05F); // with a skin tone modifier
    EXPECT_LT(score("chegou 🤬🤬", "pt"), score("chegou 🤬", "pt"));
    EXPECT_GT(score("genial :)", "es"), 0.05F);
    EXPECT_LT(score("otra vez :(", "es"), -0.05F);
}

TEST(LexiconScorer, CapsEmphasisOnlyWhenTextIsNotAllCaps) {
    EXPECT_GT(score("this is GOOD", "en"), score("this is good", "en"));
    EXPECT_LT(score("servicio PÉSIMO hoy", "es"), score("servicio pésimo hoy", "es"));
    EXPECT_FLOAT_EQ(score("THIS IS GOOD", "en"), score("this is good", "en"));
    EXPECT_GT(score("MUY bueno el café", "es"), score("muy bueno el café", "es"));
}

TEST(LexiconScorer, ExclamationsAmplifyUpToFour) {
    EXPECT_GT(score("good!!!", "en"), score("good", "en"));
    EXPECT_GT(score("good!!!!", "en"), score("good!!", "en"));
    EXPECT_FLOAT_EQ(score("good!!!!", "en"), score("good!!!!!!!!", "en"));
    EXPECT_LT(score("malo!!!", "es"), score("malo", "es"));
    EXPECT_FLOAT_EQ(score("hola!!!", "es"), 0.0F); // nothing to amplify
}

TEST(LexiconScorer, ContrastShiftsWeightToTheClauseAfter) {
    EXPECT_LT(score("la comida es buena pero el servicio es malo", "es"), -0.05F);
    EXPECT_GT(score("el servicio es malo pero la comida es buena", "es"), 0.05F);
    EXPECT_LT(score("the food is good but the service is bad", "en"), -0.05F);
    EXPECT_GT(score("o atendimento é ruim mas a comida é boa", "pt"), 0.05F);
}

TEST(LexiconScorer, PhrasesWinOverTheirWords) {
    EXPECT_GT(score("vale la pena", "es"), 0.05F);
    EXPECT_LT(score("otra vez sin luz", "es"), -0.05F);
    EXPECT_GT(score("show de bola", "pt"), 0.05F);
    EXPECT_LT(score("fora do ar", "pt"), -0.05F);
    EXPECT_GT(score("no fue para nada una pérdida, vale la pena", "es"), 0.05F);
}

TEST(LexiconScorer, EmptyAndWordlessTextsScoreZero) {
    EXPECT_FLOAT_EQ(score("", "es"), 0.0F);
    EXPECT_FLOAT_EQ(lexicon_scorer::builtin().score("", "", "en"), 0.0F);
    EXPECT_FLOAT_EQ(score("   ", "pt"), 0.0F);
    EXPECT_FLOAT_EQ(score("!!! ??? ...", "en"), 0.0F);
    EXPECT_FLOAT_EQ(score("12345 @acme #acme", "en"), 0.0F);
}

TEST(LexiconScorer, OtherLanguagesUseAllLexicons) {
    for (const char* lang : {"und", "fr", ""}) {
        EXPECT_LT(score("pésimo servicio", lang), -0.05F) << lang;
        EXPECT_LT(score("terrible service", lang), -0.05F) << lang;
        EXPECT_GT(score("atendimento ótimo", lang), 0.05F) << lang;
    }
    // A region subtag keeps the language.
    EXPECT_FLOAT_EQ(score("pésimo servicio", "es-MX"), score("pésimo servicio", "es"));
    // A language's own words only: Portuguese "lixo" means nothing to the English lexicon.
    EXPECT_FLOAT_EQ(score("lixo", "en"), 0.0F);
    EXPECT_LT(score("lixo", "pt"), -0.05F);
}

TEST(LexiconScorer, ScoresStayInRangeOnRandomBytes) {
    const unsigned seed = std::getenv("PULSO_TEST_SEED") != nullptr
                              ? static_cast<unsigned>(std::atoi(std::getenv("PULSO_TEST_SEED")))
                              : std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to replay)");
    std::mt19937 rng(seed);
    const char* pieces[] = {"muy ",   "no ",   "bueno ",      "malo ",  "!",    "😡",
                            "❤️", "pero ", "not ",        "very ",  "BAD ", "\xF0\x9F",
                            "\xC3",   ":) ",   "nunca ",      "ótimo ", "sem ", "luz ",
                            "n't ",   "'",     "\xE2\x80\x99"};
    const char* langs[] = {"es", "en", "pt", "und"};
    for (int iter = 0; iter < 20000; ++iter) {
        std::string text;
        const int len = static_cast<int>(rng() % 400);
        for (int i = 0; i < len; ++i) {
            if (rng() % 3 == 0) {
                text += pieces[rng() % std::size(pieces)];
            } else {
                text += static_cast<char>(rng() & 0xFF);
            }
        }
        const char* lang = langs[rng() % 4];
        const float raw_as_norm = lexicon_scorer::builtin().score(text, text, lang);
        const float s = score(text, lang);
        ASSERT_TRUE(std::isfinite(s) && s >= -1.0F && s <= 1.0F) << iter;
        ASSERT_TRUE(std::isfinite(raw_as_norm) && raw_as_norm >= -1.0F && raw_as_norm <= 1.0F);
    }
}

TEST(LexiconScorer, LongTextsAreCappedAndStayInRange) {
    std::string text;
    for (int i = 0; i < 5000; ++i) {
        text += "excelente ";
    }
    const float s = lexicon_scorer::builtin().score(text, text, "es");
    EXPECT_GT(s, 0.99F);
    EXPECT_LE(s, 1.0F);
}

TEST(LexiconScorer, ScoreAllocatesNothing) {
    const std::string raw = "¡No me gustó NADA el servicio de @acme! Pésimo 😡😡 pero la app ok";
    const std::string norm = normalize_for_eval(raw);
    const auto& scorer = lexicon_scorer::builtin(); // built before counting starts
    float sink = 0;
    counting = true;
    for (int i = 0; i < 1000; ++i) {
        sink += scorer.score(raw, norm, i % 2 == 0 ? "es" : "und");
    }
    counting = false;
    EXPECT_EQ(allocations, 0);
    EXPECT_LT(sink, 0.0F);
}

} // namespace
