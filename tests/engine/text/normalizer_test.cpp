#include "pulso/text/normalizer.h"
#include "test_seed.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using pulso::normalize_copy;

// Plain reference: drop invalid bytes, utf8proc_map over the whole text (the library's own
// one-shot path), then collapse white space decoded code point by code point.
std::string reference_normalize(std::string_view in) {
    std::string clean;
    for (std::size_t i = 0; i < in.size();) {
        utf8proc_int32_t cp = -1;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(in.data() + i),
                                        static_cast<utf8proc_ssize_t>(in.size() - i), &cp);
        if (n <= 0 || cp < 0) {
            ++i;
            continue;
        }
        clean.append(in.data() + i, static_cast<std::size_t>(n));
        i += static_cast<std::size_t>(n);
    }
    utf8proc_uint8_t* mapped = nullptr;
    const auto opts =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    const auto len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(clean.data()),
                                  static_cast<utf8proc_ssize_t>(clean.size()), &mapped, opts);
    EXPECT_GE(len, 0);
    std::string m(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(len < 0 ? 0 : len));
    std::free(mapped);

    auto is_space = [](utf8proc_int32_t cp) {
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' ||
            cp == 0x85) {
            return true;
        }
        const auto c = utf8proc_category(cp);
        return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
    };
    std::string out;
    bool pending = false;
    for (std::size_t i = 0; i < m.size();) {
        utf8proc_int32_t cp = -1;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(m.data() + i),
                                        static_cast<utf8proc_ssize_t>(m.size() - i), &cp);
        EXPECT_GT(n, 0);
        if (is_space(cp)) {
            pending = true;
        } else {
            if (pending && !out.empty()) {
                out.push_back(' ');
            }
            pending = false;
            out.append(m, i, static_cast<std::size_t>(n));
        }
        i += static_cast<std::size_t>(n);
    }
    return out;
}

TEST(Normalizer, ContractExamples) {
    EXPECT_EQ(normalize_copy("Reputación"), "reputacion");
    EXPECT_EQ(normalize_copy("ＡＣＭＥ"), "acme");
    EXPECT_EQ(normalize_copy("Straße"), "strasse");
    EXPECT_EQ(normalize_copy("¡Qué BUENO, São Paulo!"), "¡que bueno, sao paulo!");
}

TEST(Normalizer, TurkishDottedAndDotlessI) {
    EXPECT_EQ(normalize_copy("İstanbul"), "istanbul"); // i + U+0307, mark stripped
    EXPECT_EQ(normalize_copy("ılık"), "ılık");         // dotless ı has no case folding to i
    EXPECT_EQ(normalize_copy("ILIK"), "ilik");
}

TEST(Normalizer, CompatibilityForms) {
    EXPECT_EQ(normalize_copy("ﬁnance ﬂow"), "finance flow");
    EXPECT_EQ(normalize_copy("①②"), "12");
    EXPECT_EQ(normalize_copy("x²"), "x2");
    EXPECT_EQ(normalize_copy("\u212A"), "k"); // KELVIN SIGN
    EXPECT_EQ(normalize_copy("e\u0301"), "e");
    EXPECT_EQ(normalize_copy("ÀÉÎÕÜÇÑ"), "aeioucn");
}

TEST(Normalizer, WhiteSpaceCollapsedAndTrimmed) {
    EXPECT_EQ(normalize_copy("  a \t\n\r\v\f b  "), "a b");
    EXPECT_EQ(normalize_copy("a\u00A0b"), "a b");          // NBSP
    EXPECT_EQ(normalize_copy("a\u3000\u3000b"), "a b");    // ideographic space
    EXPECT_EQ(normalize_copy("a\u2028b\u2029c"), "a b c"); // line / paragraph separators
    EXPECT_EQ(normalize_copy("a\u0085b"), "a b");          // NEL
    EXPECT_EQ(normalize_copy("a\u2003 \u2009b"), "a b");   // em space, thin space
    EXPECT_EQ(normalize_copy("\u3000 x \u00A0"), "x");
    EXPECT_EQ(normalize_copy(" \u0301 "), "");
    EXPECT_EQ(normalize_copy("a \u0301 b"), "a b");
    EXPECT_EQ(normalize_copy(""), "");
    EXPECT_EQ(normalize_copy("   "), "");
}

TEST(Normalizer, EmojiPreserved) {
    EXPECT_EQ(normalize_copy("Love it 😀🔥"), "love it 😀🔥");
    EXPECT_EQ(normalize_copy("👍🏽 ok"), "👍🏽 ok"); // skin tone modifier is Sk, not a mark
    EXPECT_EQ(normalize_copy("I ❤️ ACME"), "i ❤ acme");  // variation selector is a mark
    EXPECT_EQ(normalize_copy("👨‍👩‍👧"), "👨‍👩‍👧"); // ZWJ sequence kept
}

TEST(Normalizer, InvalidBytesDropped) {
    EXPECT_EQ(normalize_copy("a\xff"
                             "b"),
              "ab");
    EXPECT_EQ(normalize_copy("caf\xc3\xa9\x80"), "cafe");
    EXPECT_EQ(normalize_copy("x\xc3"), "x");
    EXPECT_EQ(normalize_copy("\xe2\x82 y"), "y");
    EXPECT_EQ(normalize_copy("\xc0\xaf"
                             "z"),
              "z"); // overlong '/'
    EXPECT_EQ(normalize_copy("\xed\xa0\x80"
                             "s"),
              "s"); // encoded surrogate
    EXPECT_EQ(normalize_copy("\xf0\x9f\x98\x80\xf0\x9f"), "😀");
}

TEST(Normalizer, ReusesBufferAcrossCalls) {
    pulso::normalizer n;
    const std::string long_text(500, 'A');
    EXPECT_EQ(n.normalize(long_text), std::string(500, 'a'));
    EXPECT_EQ(n.normalize("Ñu"), "nu");
    EXPECT_EQ(n.normalize("B"), "b");
    EXPECT_EQ(n.normalize(""), "");
    // Expansion beyond the input size (U+FDFA is 18 code points under NFKC).
    const std::string expanding(40, 'x');
    std::string text;
    for (int i = 0; i < 50; ++i) {
        text += "\uFDFA";
    }
    EXPECT_EQ(n.normalize(text), reference_normalize(text));
    EXPECT_EQ(n.normalize(expanding), expanding);
}

TEST(Normalizer, Idempotent) {
    for (const char* s : {"Reputación", "Straße", "İstanbul", "ﬁ ＡＣＭＥ", "ᾳ ΣΊΣΥΦΟΣ", "한국어",
                          "Ǆemal", "x\u0338=", "mañana 😀"}) {
        const std::string once = normalize_copy(s);
        EXPECT_EQ(normalize_copy(once), once) << s;
    }
}

TEST(Normalizer, ReferenceExamples) {
    for (const char* s : {"Reputación", "ΣΊΣΥΦΟΣ ᾳ", "한국어 ᄀ\u1161", "=\u0338 a\u0338", "Ǆ ǅ ǆ",
                          "ＡＢＣ　ｄｅｆ", "ﷺ", "ẞ", "ŉ"}) {
        EXPECT_EQ(normalize_copy(s), reference_normalize(s)) << s;
    }
}

// The run-wise fast path (ASCII lower-casing + utf8proc for non-ASCII runs) must equal the
// reference byte for byte.
TEST(Normalizer, FastPathMatchesReferenceRandomised) {
    const std::uint64_t seed =
        pulso::test::test_seed("Normalizer.FastPathMatchesReferenceRandomised");
    std::mt19937_64 rng(seed);
    const std::vector<std::string> pieces = {
        "a",        "Z",        "q",      "I",      "0",      "_",       " ",      "  ",
        "\t",       "\n",       "\r",     "\v",     "\f",     "\x1f",    "\x01",   "#",
        "@",        ".",        "-",      "é",      "É",      "e\u0301", "\u0301", "\u0308",
        "ñ",        "N\u0303",  "ß",      "ẞ",      "ﬁ",      "İ",       "ı",      "Ａ",
        "ｚ",       "\u00A0",   "\u3000", "\u2028", "\u2029", "\u0085",  "\u200B", "😀",
        "👍🏽", "❤️",   "\u200D", "ᄀ",     "\u1161", "\u11A8",  "가",     "=",
        "\u0338",   "ᾳ",        "Σ",      "ς",      "Ǆ",      "①",       "²",      "\u212A",
        "中",       "д",        "Д",      "٣",      "\xff",   "\xc3",    "\x80",   "\xe2\x82",
        "\xf0\x9f", "\xc0\xaf", "ﷺ",      "ŉ",      "\u0345", "\u1E9E",  "ﬀ"};
    pulso::normalizer n;
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
    std::uniform_int_distribution<int> len(0, 100);
    std::uniform_int_distribution<int> ascii(0, 127);
    const std::string letters = "abcXYZ@#_19 .'";
    std::uniform_int_distribution<std::size_t> letter(0, letters.size() - 1);
    // Code point ranges for the random mode: Latin..Arabic (table path), Indic with marks,
    // Hangul, CJK, symbols and emoji, and anything at all.
    const std::vector<std::pair<std::int32_t, std::int32_t>> ranges = {
        {0x80, 0x7FF},    {0x900, 0xDFF},   {0x1100, 0x11FF},   {0xAC00, 0xAC40}, {0x3000, 0x30FF},
        {0x4E00, 0x4E40}, {0x2000, 0x2BFF}, {0x1F300, 0x1F6FF}, {0xFB00, 0xFFEF}, {0x1, 0x10FFFF}};
    auto encode = [](std::int32_t cp, std::string& out) {
        utf8proc_uint8_t buf[4];
        const auto k = utf8proc_encode_char(cp, buf);
        out.append(reinterpret_cast<char*>(buf), static_cast<std::size_t>(k));
    };
    for (int iter = 0; iter < 40000; ++iter) {
        std::string text;
        const int k = len(rng);
        const int mode = iter % 4;
        for (int j = 0; j < k; ++j) {
            if (mode == 0) {
                text.push_back(static_cast<char>(ascii(rng)));
            } else if (mode == 1) { // word-like ASCII: exercises the 8-byte blocks
                text.push_back(rng() % 9 == 0 ? ' ' : letters[letter(rng)]);
            } else if (mode == 2) {
                text += (rng() % 3 == 0) ? pieces[pick(rng)] : std::string(1, letters[letter(rng)]);
            } else {
                const auto& r = ranges[rng() % ranges.size()];
                const auto cp = std::uniform_int_distribution<std::int32_t>(r.first, r.second)(rng);
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    continue;
                }
                encode(cp, text);
                if (rng() % 3 == 0) {
                    text.push_back(letters[letter(rng)]);
                }
            }
        }
        const std::string expected = reference_normalize(text);
        ASSERT_EQ(n.normalize(text), expected)
            << "seed " << seed << " iteration " << iter << " input bytes " << text.size();
    }
}

// The ASCII path works on 16-byte blocks and loads the tail as the block that ends at the
// text's end: every length around the block size, with a special byte at every position.
TEST(Normalizer, BlockTailsMatchReference) {
    pulso::normalizer n;
    const std::vector<std::string> specials = {"É", "  ", "\t",   " ",     "\x01",
                                               "ﬁ", "😀",  "\xc3", "\u00A0"};
    for (std::size_t len = 0; len <= 40; ++len) {
        for (std::size_t at = 0; at <= len; ++at) {
            for (const std::string& sp : specials) {
                std::string text;
                for (std::size_t k = 0; k < len; ++k) {
                    text.push_back("Ab cdEfgh iJ"[k % 12]);
                }
                text.insert(at, sp);
                ASSERT_EQ(n.normalize(text), reference_normalize(text))
                    << "length " << len << " special at " << at;
            }
        }
    }
}

TEST(Normalizer, WordChars) {
    using pulso::is_word_char;
    for (char32_t c : {U'a', U'Z', U'5', U'_', U'é', U'ñ', U'д', U'中', U'٣', U'ı', U'ß', U'가'}) {
        EXPECT_TRUE(is_word_char(c)) << static_cast<std::uint32_t>(c);
    }
    for (char32_t c : {U' ', U'#', U'@', U'-', U'.', U'\'', U'!', U'😀', U'\u0301', U'\u3000', U'。',
                       U'²', U'\u200D', char32_t{0x110000}}) {
        EXPECT_FALSE(is_word_char(c)) << static_cast<std::uint32_t>(c);
    }
}

} // namespace
