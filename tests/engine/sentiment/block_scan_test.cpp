// The scorer's tokeniser reads the normalised text 64 bytes at a time (bit masks per block)
// and hands anything unusual to a byte-by-byte path. These tests put every kind of token on
// every offset around the block edges and throw random runs of punctuation, long words and
// special bytes at it, requiring bit-for-bit the scores of the frozen reference scorer.
#include "eval_normalize.h"
#include "pulso/sentiment/lexicon_scorer.h"
#include "reference_compare.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace {

using pulso::sentiment_eval::normalize_for_eval;
using pulso::sentiment_reference::compare_with_reference;
using pulso::sentiment_reference::reference_score;
using pulso::sentiment_reference::test_seed;

const char* const languages[] = {"es", "en", "pt", "und"};

// Tokens and separators whose handling differs between the block path and the general path.
const char* const snippets[] = {"excelente",
                                "muy bueno",
                                "no me gusta",
                                "vale la pena",
                                "kind of bad",
                                "don't like",
                                "isn\xE2\x80\x99t good",
                                "caf\xC3\xA9 bom",
                                "p\xC3\xA9ssimo",
                                "NADA bueno",
                                "Bad",
                                ":)",
                                ":-)",
                                ":d",
                                ":dd",
                                ";p",
                                "=)",
                                ":'(",
                                "-:)",
                                "...:)",
                                "good!!!",
                                "bad??",
                                "bad, but good",
                                "pero mal",
                                "\xF0\x9F\x98\xA1",
                                "\xE2\x9D\xA4\xEF\xB8\x8F",
                                "\xC2\xA1"
                                "bueno!",
                                "\xC2\xBF"
                                "malo?",
                                "good_day",
                                "o'clock",
                                "'good'",
                                "good'",
                                "a\tb\ngood",
                                "x\x7Fgood",
                                "https://t.co/AbC",
                                "#bueno @malo",
                                "sin luz",
                                "n\xC3\xA3o gostei",
                                "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
                                "\xE2\x80\x8D"};

// Every snippet starting at every offset from 0 to 140 (so across the first two block edges),
// after filler words of various lengths, and followed by more text or by the end.
TEST(LexiconScorerBlocks, SnippetsAtEveryOffsetScoreAsReference) {
    const char* const fillers[] = {"x", "ab", "bueno", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"};
    const char* const tails[] = {"", " bien", "!", ":)", "\xF0\x9F\x98\x8D", "aaaaaaaaaaaaaaa"};
    int checked = 0;
    for (const char* snippet : snippets) {
        for (std::size_t offset = 0; offset <= 140; ++offset) {
            for (std::size_t f = 0; f < std::size(fillers); ++f) {
                std::string text;
                const std::string_view filler = fillers[f];
                while (text.size() + filler.size() + 1 <= offset) {
                    text += filler;
                    text += ' ';
                }
                text.append(offset - text.size(), ' ');
                text += snippet;
                text += tails[(offset + f) % std::size(tails)];
                const char* lang = languages[(offset + f) % std::size(languages)];
                const std::string diff = compare_with_reference(text, text, lang);
                ASSERT_TRUE(diff.empty()) << "offset " << offset << ": " << diff;
                const std::string diff_norm =
                    compare_with_reference(text, normalize_for_eval(text), lang);
                ASSERT_TRUE(diff_norm.empty()) << "offset " << offset << ": " << diff_norm;
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 20000);
}

// Random texts made of long words, runs of punctuation (with and without emoticon eyes),
// capitals, apostrophes, non-ASCII letters, emoji and stray bytes, 0 to 400 bytes long.
TEST(LexiconScorerBlocks, RandomRunsScoreAsReference) {
    const unsigned seed = test_seed();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to replay)");
    std::mt19937 rng(seed);
    const char* const words[] = {"bueno", "malo", "no",   "muy", "good", "bad", "not",
                                 "pero",  "but",  "nada", "sin", "luz",  "la",  "de"};
    const char punct[] = ",.;:!?-=()'/#@\"*";
    const char* const others[] = {"\xF0\x9F\x98\xA1", "\xC3\xA9",     "\xE2\x80\x99", "\xC2\xA1",
                                  "\xE2\x80\x8D",     "\xEF\xB8\x8F", "\xC3",         "\xF0\x9F"};
    int nonzero = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::string text;
        const std::size_t len = rng() % 400;
        while (text.size() < len) {
            switch (rng() % 8) {
            case 0: { // a long word of [a-z0-9_]
                const std::size_t w = 1 + rng() % 90;
                for (std::size_t k = 0; k < w; ++k) {
                    text += "abcdefghijklmnopqrstuvwxyz0123456789_"[rng() % 37];
                }
                break;
            }
            case 1:
            case 2:
                text += words[rng() % std::size(words)];
                break;
            case 3: { // a run of punctuation
                const std::size_t r = 1 + rng() % 6;
                for (std::size_t k = 0; k < r; ++k) {
                    text += punct[rng() % (std::size(punct) - 1)];
                }
                break;
            }
            case 4:
                text += others[rng() % std::size(others)];
                break;
            case 5:
                text += static_cast<char>('A' + rng() % 26);
                break;
            case 6:
                text += "dp'"[rng() % 3];
                break;
            default:
                text += " \t\n "[rng() % 4];
                break;
            }
            if (rng() % 2 == 0) {
                text += ' ';
            }
        }
        const char* lang = languages[rng() % std::size(languages)];
        const std::string diff = compare_with_reference(text, text, lang);
        ASSERT_TRUE(diff.empty()) << "iteration " << iter << ": " << diff;
        const std::string norm = normalize_for_eval(text);
        const std::string diff_norm = compare_with_reference(text, norm, lang);
        ASSERT_TRUE(diff_norm.empty()) << "iteration " << iter << ": " << diff_norm;
        nonzero += reference_score(text, norm, lang) != 0.0F ? 1 : 0;
    }
    EXPECT_GT(nonzero, 20000 / 4); // the texts must reach the scoring, not only the tokeniser
}

} // namespace
