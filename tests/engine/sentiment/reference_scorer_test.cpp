// Freezes the scorer's behaviour: lexicon_scorer::score must return bit-for-bit the same float
// as the frozen pre-optimisation copy in reference_scorer/ on the eval sets and on random
// mention-like texts (lexicon words, modifiers, negators, phrases, emoji, emoticons, accents,
// CAPS, '!' and '?', apostrophes, handles, invalid bytes, texts over the 256-token cap).
#include "eval_normalize.h"
#include "eval_set.h"
#include "lexicon_data.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "reference_compare.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using pulso::lexicon_scorer;
using pulso::sentiment_eval::normalize_for_eval;
using pulso::sentiment_reference::compare_with_reference;
using pulso::sentiment_reference::reference_score;
using pulso::sentiment_reference::test_seed;

const char* const languages[] = {"es", "en", "pt", "und", "es-MX", "pt_BR", "", "e", "english"};

// Appends `word` to `out` with mention-style noise: accents on vowels, a capital first letter
// or the whole word in capitals (raw text only: the normaliser folds them away).
void append_noisy(std::string& out, std::string_view word, std::mt19937& rng, bool all_caps) {
    static const char* const accented_lower[] = {"\xC3\xA1", "\xC3\xA9", "\xC3\xAD", "\xC3\xB3",
                                                 "\xC3\xBA"}; // á é í ó ú
    static const char* const accented_upper[] = {"\xC3\x81", "\xC3\x89", "\xC3\x8D", "\xC3\x93",
                                                 "\xC3\x9A"}; // Á É Í Ó Ú
    const unsigned mode = rng() % 8;
    const bool caps = all_caps || mode == 0;
    const bool capital_first = mode == 1;
    const bool accents = mode == 2 || mode == 3;
    for (std::size_t k = 0; k < word.size(); ++k) {
        const char c = word[k];
        const char* vowels = "aeiou";
        const char* v = (c >= 'a' && c <= 'z') ? std::strchr(vowels, c) : nullptr;
        const bool upper = caps || (capital_first && k == 0);
        if (v != nullptr && accents && rng() % 3 == 0) {
            out += upper ? accented_upper[v - vowels] : accented_lower[v - vowels];
        } else if (upper && c >= 'a' && c <= 'z') {
            out += static_cast<char>(c - 'a' + 'A');
        } else {
            out += c;
        }
    }
}

// A random text shaped like a mention, built from the lexicon's own terms and noise.
std::string mention_like(std::mt19937& rng) {
    using pulso::sentiment_detail::lexicon_row_count;
    using pulso::sentiment_detail::lexicon_rows;
    static const char* const modifiers[] = {
        "no",      "not",        "nunca",     "never",   "nada",
        "nao",     "n\xC3\xA3o", "sin",       "sem",     "muy",
        "very",    "muito",      "super",     "really",  "bem",
        "un poco", "meio",       "slightly",  "pero",    "but",
        "mas",     "porem",      "kind of",   "don't",   "isn\xE2\x80\x99t",
        "can't",   "dont",       "ni",        "tampoco", "nobody",
        "without", "extremely",  "demasiado", "tan"};
    static const char* const fillers[] = {
        "el",       "la",      "de",    "que", "en",  "the",    "to",
        "and",      "is",      "o",     "a",   "do",  "pedido", "order",
        "servicio", "service", "loja",  "app", "hoy", "today",  "@TelcoMX",
        "#apagon",  "@acme_1", "48213", "3",   "x",   "rt",     "https://t.co/AbC1"};
    static const char* const punct[] = {
        ",",        ".",        "!",   "!!", "!!!", "!!!!!", "?",  "??", "???", "?!",
        "\xC2\xA1", "\xC2\xBF", ";",   ":",  "...", " - ",   ":)", ":(", ":-d", ":d",
        ";p",       "=)",       ":'(", "<3", "(",   ")",     "\"", "'",  "/",   "&"};
    static const char* const emoji[] = {
        "\xF0\x9F\x98\xA1",                             // 😡
        "\xF0\x9F\x98\x8D",                             // 😍
        "\xE2\x9D\xA4\xEF\xB8\x8F",                     // ❤️
        "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",             // 👍🏽
        "\xF0\x9F\x91\x8E",                             // 👎
        "\xF0\x9F\xA4\xAC",                             // 🤬
        "\xF0\x9F\x91\x8F\xF0\x9F\x91\x8F",             // 👏👏
        "\xE2\x98\x95",                                 // ☕
        "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB", // 👨‍💻
        "\xE2\x80\xBC\xEF\xB8\x8F",                     // ‼️
        "\x31\xEF\xB8\x8F\xE2\x83\xA3",                 // 1️⃣
        "\xF0\x9F\x98\x82",                             // 😂
        "\xE2\x9C\xA8",                                 // ✨
    };
    std::string raw;
    const bool all_caps = rng() % 20 == 0;
    // Mostly ~25 pieces (a ~180-byte mention); sometimes long enough to hit the token cap.
    const int pieces =
        rng() % 50 == 0 ? 200 + static_cast<int>(rng() % 300) : 1 + static_cast<int>(rng() % 45);
    for (int p = 0; p < pieces; ++p) {
        const unsigned r = rng() % 100;
        std::string_view glue = " ";
        if (r < 35) {
            append_noisy(raw, lexicon_rows[rng() % lexicon_row_count].term, rng, all_caps);
        } else if (r < 50) {
            append_noisy(raw, modifiers[rng() % std::size(modifiers)], rng, all_caps);
        } else if (r < 72) {
            append_noisy(raw, fillers[rng() % std::size(fillers)], rng, all_caps);
        } else if (r < 86) {
            raw += punct[rng() % std::size(punct)];
            glue = rng() % 2 == 0 ? " " : "";
        } else if (r < 96) {
            raw += emoji[rng() % std::size(emoji)];
            glue = rng() % 3 == 0 ? "" : " ";
        } else if (r < 98) {
            raw += static_cast<char>(0x80 + rng() % 0x80); // a stray or truncated UTF-8 byte
        } else {
            raw += rng() % 2 == 0 ? "\xE2\x80\x99" : "'";
            glue = "";
        }
        if (rng() % 10 == 0) {
            glue = rng() % 2 == 0 ? "  " : "\n";
        }
        raw += glue;
    }
    return raw;
}

void check_mentions(unsigned seed, int count) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to replay)");
    std::mt19937 rng(seed);
    int nonzero = 0;
    int caps_emphasis = 0;
    for (int i = 0; i < count; ++i) {
        const std::string raw = mention_like(rng);
        const std::string norm = normalize_for_eval(raw);
        const char* lang = languages[rng() % std::size(languages)];
        const std::string diff = compare_with_reference(raw, norm, lang);
        ASSERT_TRUE(diff.empty()) << "text " << i << ": " << diff;
        // The raw text as its own normal form: CAPS and accents reach the tokeniser.
        const std::string diff_raw = compare_with_reference(raw, raw, lang);
        ASSERT_TRUE(diff_raw.empty()) << "text " << i << " (raw as normalised): " << diff_raw;
        const float s = reference_score(raw, norm, lang);
        nonzero += s != 0.0F ? 1 : 0;
        caps_emphasis += s != reference_score(norm, norm, lang) ? 1 : 0;
    }
    // The generator must exercise the scorer: most texts score, many carry emphasis.
    EXPECT_GT(nonzero, count / 2);
    EXPECT_GT(caps_emphasis, count / 10);
}

TEST(LexiconScorerReference, EvalSetsScoreBitForBitAsBefore) {
    int texts = 0;
    for (const char* set : {"es", "en", "pt"}) {
        const auto items = pulso::sentiment_eval::load_eval_set(
            std::string(PULSO_SOURCE_DIR) + "/tests/data/sentiment/eval_" + set + ".tsv");
        for (const auto& item : items) {
            const std::string norm = normalize_for_eval(item.text);
            for (const char* lang : languages) {
                const std::string diff = compare_with_reference(item.text, norm, lang);
                ASSERT_TRUE(diff.empty()) << set << " line " << item.line << ": " << diff;
            }
            ++texts;
        }
    }
    EXPECT_GE(texts, 450);
}

TEST(LexiconScorerReference, FixedSeedMentionsScoreBitForBitAsBefore) {
    check_mentions(20261126U, 20000);
}

TEST(LexiconScorerReference, RandomSeedMentionsScoreBitForBitAsBefore) {
    check_mentions(test_seed(), 20000);
}

TEST(LexiconScorerReference, RandomBytesScoreBitForBitAsBefore) {
    const unsigned seed = test_seed();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to replay)");
    std::mt19937 rng(seed);
    const char* pieces[] = {"muy ", "no ",  "bueno ", "malo ", "!",        "\xF0\x9F\x98\xA1",
                            "A",    "BAD ", ":) ",    "n't ",  "\xC3\x89", "\xE2\x80\x99",
                            "\xF0", "\xC3", "?",      "pero ", " ",        "\xE2\x80\x8D"};
    for (int iter = 0; iter < 20000; ++iter) {
        std::string text;
        const int len = static_cast<int>(rng() % 300);
        for (int i = 0; i < len; ++i) {
            if (rng() % 2 == 0) {
                text += pieces[rng() % std::size(pieces)];
            } else {
                text += static_cast<char>(rng() & 0xFF);
            }
        }
        const char* lang = languages[rng() % std::size(languages)];
        const std::string diff = compare_with_reference(text, text, lang);
        ASSERT_TRUE(diff.empty()) << "iteration " << iter << ": " << diff;
        const std::string diff_norm = compare_with_reference(text, normalize_for_eval(text), lang);
        ASSERT_TRUE(diff_norm.empty()) << "iteration " << iter << ": " << diff_norm;
    }
}

// Texts that sit on the edges of the tokeniser: the token cap, 16-byte SIMD blocks, a word at
// the very end, emoticons next to letters.
TEST(LexiconScorerReference, EdgeCasesScoreBitForBitAsBefore) {
    std::vector<std::string> texts = {"",      " ",
                                      "!",     "good",
                                      "GOOD",  "good!",
                                      ":)",    ":d",
                                      ":dd",   "no :)",
                                      "x:p",   "=)good",
                                      "don't", "don\xE2\x80\x99t",
                                      "dont'", "'good'",
                                      "good'", "\xC2\xA1muy bueno!"};
    for (int n = 1; n <= 40; ++n) {
        texts.push_back(std::string(static_cast<std::size_t>(n), 'a') + " excelente");
        texts.push_back("excelente " + std::string(static_cast<std::size_t>(n), 'b'));
        texts.push_back("p\xC3\xA9" + std::string(static_cast<std::size_t>(n), 's') + "imo!");
    }
    for (const int words : {255, 256, 257, 300}) {
        std::string t;
        for (int k = 0; k < words; ++k) {
            t += k % 7 == 0 ? "NO " : k % 3 == 0 ? "bueno " : "malo ";
        }
        texts.push_back(t);
        texts.push_back("Muy " + t + "!!!");
    }
    for (const std::string& t : texts) {
        for (const char* lang : languages) {
            const std::string diff = compare_with_reference(t, t, lang);
            ASSERT_TRUE(diff.empty()) << diff;
            const std::string diff_norm = compare_with_reference(t, normalize_for_eval(t), lang);
            ASSERT_TRUE(diff_norm.empty()) << diff_norm;
        }
    }
}

} // namespace
