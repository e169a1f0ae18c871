#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "test_seed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using pulso::brand_matcher;
using pulso::brand_rule;
using pulso::normalize_copy;
using ids = std::vector<std::uint32_t>;

ids match(const brand_matcher& m, std::string_view raw_text) {
    brand_matcher::scratch s(m);
    ids out;
    m.match(normalize_copy(raw_text), s, out);
    return out;
}

brand_rule keyword_brand(std::string name, std::vector<std::string> keywords) {
    brand_rule r;
    r.name = std::move(name);
    r.keywords = std::move(keywords);
    return r;
}

std::string invalid_message(const std::vector<brand_rule>& rules) {
    try {
        brand_matcher m(rules);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "<no exception>";
}

// ---- plain reference matcher: std::string::find over all occurrences + the same rule ----

char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k < n; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    len = static_cast<std::size_t>(n);
    return cp;
}

bool reference_boundary_before(std::string_view s, std::size_t i) {
    if (i == 0) {
        return true;
    }
    std::size_t start = i - 1;
    while ((static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
    }
    std::size_t len = 0;
    return !pulso::is_word_char(decode(s, start, len));
}

bool reference_boundary_at(std::string_view s, std::size_t i) {
    std::size_t len = 0;
    return i == s.size() || !pulso::is_word_char(decode(s, i, len));
}

bool reference_occurs(const std::string& text, const std::string& pat) {
    for (std::size_t pos = text.find(pat); pos != std::string::npos;
         pos = text.find(pat, pos + 1)) {
        if (reference_boundary_before(text, pos) && reference_boundary_at(text, pos + pat.size())) {
            return true;
        }
    }
    return false;
}

ids reference_match(const std::vector<brand_rule>& rules, const std::string& normalized) {
    ids out;
    for (std::uint32_t b = 0; b < rules.size(); ++b) {
        const brand_rule& r = rules[b];
        bool hit = false;
        for (const auto* list : {&r.keywords, &r.handles, &r.hashtags}) {
            for (const std::string& p : *list) {
                hit = hit || reference_occurs(normalized, normalize_copy(p));
            }
        }
        bool excluded = false;
        for (const std::string& p : r.exclude) {
            excluded = excluded || reference_occurs(normalized, normalize_copy(p));
        }
        if (hit && !excluded) {
            out.push_back(b);
        }
    }
    return out;
}

// ---- contract cases ----

TEST(BrandMatcher, KeywordNeedsWordBoundaries) {
    const brand_matcher m(
        {keyword_brand("andino", {"Café Andino"}), keyword_brand("acme", {"acme"})});
    EXPECT_EQ(match(m, "me gusta cafe andinos"), ids{});
    EXPECT_EQ(match(m, "me gusta CAFÉ ANDINO!"), ids{0});
    EXPECT_EQ(match(m, "acme's new phone"), ids{1});
    EXPECT_EQ(match(m, "acme_x is out"), ids{});
    EXPECT_EQ(match(m, "x_acme"), ids{});
    EXPECT_EQ(match(m, "acmes"), ids{});
    EXPECT_EQ(match(m, "subacme"), ids{});
}

TEST(BrandMatcher, DigitsAndUnderscoreAreWordChars) {
    const brand_matcher m({keyword_brand("acme", {"acme"})});
    EXPECT_EQ(match(m, "acme2"), ids{});
    EXPECT_EQ(match(m, "2acme"), ids{});
    EXPECT_EQ(match(m, "_acme"), ids{});
    EXPECT_EQ(match(m, "acme_"), ids{});
    EXPECT_EQ(match(m, "acme-2"), ids{0});
    EXPECT_EQ(match(m, "acme.com"), ids{0});
    EXPECT_EQ(match(m, "(acme)"), ids{0});
    EXPECT_EQ(match(m, "acme😀"), ids{0});
    EXPECT_EQ(match(m, "acme²"), ids{}); // ² normalises to the digit 2
}

TEST(BrandMatcher, UnicodeNeighbours) {
    const brand_matcher m({keyword_brand("acme", {"acme"}), keyword_brand("cafe", {"café"})});
    EXPECT_EQ(match(m, "acmeд"), ids{});
    EXPECT_EQ(match(m, "дacme"), ids{});
    EXPECT_EQ(match(m, "中acme"), ids{});
    EXPECT_EQ(match(m, "acme中"), ids{});
    EXPECT_EQ(match(m, "acme。"), ids{0});
    EXPECT_EQ(match(m, "«acme»"), ids{0});
    EXPECT_EQ(match(m, "acmeé"), ids{});
    EXPECT_EQ(match(m, "écafe"), ids{});
    EXPECT_EQ(match(m, "un café, por favor"), ids{1});
    EXPECT_EQ(match(m, "un cafe\u0301 con acme\u00A0hoy"), ids({0, 1}));
}

TEST(BrandMatcher, HandlesAndHashtags) {
    brand_rule r;
    r.name = "acme";
    r.handles = {"@Acme"};
    r.hashtags = {"#ACME"};
    const brand_matcher h({r});
    EXPECT_EQ(match(h, "hola @acme que tal"), ids{0});
    EXPECT_EQ(match(h, "mail foo@acme.com"), ids{});
    EXPECT_EQ(match(h, "@acmefan"), ids{});
    EXPECT_EQ(match(h, "@ACME!"), ids{0});
    EXPECT_EQ(match(h, "#acmefan"), ids{});
    EXPECT_EQ(match(h, "love #Acme"), ids{0});
    EXPECT_EQ(match(h, "acme"), ids{}); // a bare word is not the handle or hashtag
    EXPECT_EQ(match(h, "x#acme"), ids{});
}

TEST(BrandMatcher, KeywordMatchesInsideHashtagAndHandle) {
    const brand_matcher m({keyword_brand("acme", {"acme"})});
    EXPECT_EQ(match(m, "#acme"), ids{0});
    EXPECT_EQ(match(m, "@acme"), ids{0});
    EXPECT_EQ(match(m, "##acme"), ids{0});
    EXPECT_EQ(match(m, "#acmefan"), ids{});
}

TEST(BrandMatcher, PhraseAcrossCollapsedWhiteSpace) {
    const brand_matcher m({keyword_brand("acme", {"ACME  Corp"})});
    EXPECT_EQ(match(m, "the acme   \n\t corp team"), ids{0});
    EXPECT_EQ(match(m, "acme\u3000corp"), ids{0});
    EXPECT_EQ(match(m, "acme corporation"), ids{});
    EXPECT_EQ(match(m, "acmecorp"), ids{});
}

TEST(BrandMatcher, KeywordAtTextStartAndEnd) {
    const brand_matcher m({keyword_brand("acme", {"acme"})});
    EXPECT_EQ(match(m, "acme"), ids{0});
    EXPECT_EQ(match(m, "acme rocks"), ids{0});
    EXPECT_EQ(match(m, "i like acme"), ids{0});
    EXPECT_EQ(match(m, "  ACME  "), ids{0});
    EXPECT_EQ(match(m, ""), ids{});
}

TEST(BrandMatcher, ExcludeRemovesBrand) {
    brand_rule r = keyword_brand("acme", {"acme"});
    r.exclude = {"Acme Road Runner"};
    const brand_matcher m({r, keyword_brand("coyote", {"coyote"})});
    EXPECT_EQ(match(m, "acme road runner cartoon"), ids{});
    EXPECT_EQ(match(m, "acme is great"), ids{0});
    EXPECT_EQ(match(m, "acme road runner and coyote, and acme again"), ids{1});
    EXPECT_EQ(match(m, "acme road runners"), ids{0}); // exclude needs its boundary too
}

TEST(BrandMatcher, MultipleBrandsAscendingEachOnce) {
    const brand_matcher m({keyword_brand("zeta", {"zeta", "zeta phone"}),
                           keyword_brand("acme", {"acme"}), keyword_brand("omega", {"omega"})});
    EXPECT_EQ(match(m, "acme acme zeta phone acme zeta"), ids({0, 1}));
    EXPECT_EQ(match(m, "omega then acme"), ids({1, 2}));
}

TEST(BrandMatcher, SameLiteralInTwoBrands) {
    brand_rule a = keyword_brand("a", {"shared"});
    brand_rule b = keyword_brand("b", {"shared", "other"});
    b.exclude = {"shared secret"};
    const brand_matcher m({a, b});
    EXPECT_EQ(match(m, "shared"), ids({0, 1}));
    EXPECT_EQ(match(m, "shared secret"), ids{0});
}

TEST(BrandMatcher, OverlappingOccurrencesAllConsidered) {
    const brand_matcher m({keyword_brand("aa", {"aa"}), keyword_brand("aaa", {"aa aa"})});
    EXPECT_EQ(match(m, "aaa aa"), ids({0}));
    EXPECT_EQ(match(m, "aaaa aa aa"), ids({0, 1}));
    const brand_matcher n({keyword_brand("acme", {"acme"})});
    EXPECT_EQ(match(n, "acmex acmey acme"), ids{0});
    EXPECT_EQ(match(n, "acmeacme acme"), ids{0});
}

TEST(BrandMatcher, ScratchIsReused) {
    const brand_matcher m({keyword_brand("acme", {"acme"}), keyword_brand("zeta", {"zeta"})});
    brand_matcher::scratch s(m);
    ids out;
    for (int i = 0; i < 1000; ++i) {
        m.match(normalize_copy(i % 2 == 0 ? "acme" : "zeta"), s, out);
        ASSERT_EQ(out, ids{static_cast<std::uint32_t>(i % 2)});
    }
    // A scratch made for another matcher (after a reload) adapts.
    const brand_matcher bigger(
        {keyword_brand("x", {"x"}), keyword_brand("y", {"y"}), keyword_brand("z", {"z"})});
    bigger.match("z y", s, out);
    EXPECT_EQ(out, ids({1, 2}));
    m.match("zeta", s, out);
    EXPECT_EQ(out, ids{1});
}

TEST(BrandMatcher, NamesAndCount) {
    const brand_matcher m({keyword_brand("acme", {"acme"}), keyword_brand("zeta-2", {"zeta"})});
    EXPECT_EQ(m.brand_count(), 2U);
    EXPECT_EQ(m.brand_name(0), "acme");
    EXPECT_EQ(m.brand_name(1), "zeta-2");
    EXPECT_EQ(m.brand_name(2), "");
}

TEST(BrandMatcher, NoBrandsMatchesNothing) {
    const brand_matcher m(std::vector<brand_rule>{});
    EXPECT_EQ(m.brand_count(), 0U);
    EXPECT_EQ(match(m, "anything"), ids{});
}

TEST(BrandMatcher, RejectsUnusableRules) {
    auto msg = invalid_message({keyword_brand("acme", {"acme", " \u0301 "})});
    EXPECT_NE(msg.find("acme"), std::string::npos) << msg;
    EXPECT_NE(msg.find("keyword"), std::string::npos) << msg;

    brand_rule h = keyword_brand("shop", {"shop"});
    h.handles = {"shop"};
    msg = invalid_message({h});
    EXPECT_NE(msg.find("'shop'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("handle \"shop\""), std::string::npos) << msg;

    brand_rule t = keyword_brand("shop", {"shop"});
    t.hashtags = {"#shop now"};
    msg = invalid_message({t});
    EXPECT_NE(msg.find("hashtag \"#shop now\""), std::string::npos) << msg;
    t.hashtags = {"#"};
    EXPECT_NE(invalid_message({t}).find("hashtag"), std::string::npos);

    brand_rule x = keyword_brand("shop", {"shop"});
    x.exclude = {""};
    EXPECT_NE(invalid_message({x}).find("exclude"), std::string::npos);

    msg = invalid_message({keyword_brand("Acme", {"acme"})});
    EXPECT_NE(msg.find("'Acme'"), std::string::npos) << msg;
    EXPECT_NE(invalid_message({keyword_brand("", {"acme"})}).find("name"), std::string::npos);
    EXPECT_NE(invalid_message({keyword_brand(std::string(65, 'a'), {"acme"})}).find("name"),
              std::string::npos);
    EXPECT_EQ(invalid_message({keyword_brand(std::string(64, 'a'), {"acme"})}), "<no exception>");

    msg = invalid_message({keyword_brand("acme", {"a"}), keyword_brand("acme", {"b"})});
    EXPECT_NE(msg.find("duplicate"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'acme'"), std::string::npos) << msg;

    EXPECT_NE(invalid_message({keyword_brand("empty", {})}).find("'empty'"), std::string::npos);
}

TEST(BrandMatcher, OwnTerms) {
    brand_rule r = keyword_brand("andino", {"Café Andino", "andino's"});
    r.handles = {"@Andino_Oficial"};
    r.hashtags = {"#CaféLovers"};
    r.exclude = {"andino pass"};
    const brand_matcher m({r, keyword_brand("acme", {"acme corp"})});
    EXPECT_TRUE(m.is_own_term(0, "cafe"));
    EXPECT_TRUE(m.is_own_term(0, "andino"));
    EXPECT_TRUE(m.is_own_term(0, "andino_oficial"));
    EXPECT_TRUE(m.is_own_term(0, "cafelovers"));
    EXPECT_TRUE(m.is_own_term(0, "s"));
    EXPECT_FALSE(m.is_own_term(0, "pass")); // excludes are not the brand's words
    EXPECT_FALSE(m.is_own_term(0, "acme"));
    EXPECT_FALSE(m.is_own_term(0, "#cafelovers"));
    EXPECT_TRUE(m.is_own_term(1, "acme"));
    EXPECT_TRUE(m.is_own_term(1, "corp"));
    EXPECT_FALSE(m.is_own_term(1, "cafe"));
    EXPECT_FALSE(m.is_own_term(7, "cafe"));
}

// Hyperscan + boundary check agrees with find-every-occurrence + the same rule on texts built
// from a small alphabet (so that patterns occur often, overlap and touch word characters).
TEST(BrandMatcher, AgreesWithReferenceRandomised) {
    const std::uint64_t seed = pulso::test::test_seed("BrandMatcher.AgreesWithReferenceRandomised");
    std::mt19937_64 rng(seed);
    const std::vector<std::string> pattern_alphabet = {"a", "b", "A", "é", "E", "ñ",
                                                       "n", "_", "1", "д", " "};
    const std::vector<std::string> text_alphabet = {
        "a", "b",  "A",  "é", "e\u0301", "E", "ñ", "n", "_", "1",      "д", "中",
        " ", "  ", "\n", "#", "@",       ".", "-", "'", "😀", "\u00A0", "ı"};
    auto pick = [&](const std::vector<std::string>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    };
    auto random_word = [&](int min_len, int max_len) {
        std::string w;
        const int n = std::uniform_int_distribution<int>(min_len, max_len)(rng);
        for (int i = 0; i < n; ++i) {
            w += pick(pattern_alphabet);
        }
        if (normalize_copy(w).empty()) {
            w += "b";
        }
        return w;
    };
    std::uniform_int_distribution<int> coin(0, 9);
    std::size_t texts_with_brands = 0;
    std::size_t texts_with_excluded = 0;
    for (int round = 0; round < 20; ++round) {
        std::vector<brand_rule> rules;
        for (int b = 0; b < 50; ++b) {
            brand_rule r;
            r.name = "brand-" + std::to_string(b);
            const int nk = std::uniform_int_distribution<int>(1, 3)(rng);
            for (int k = 0; k < nk; ++k) {
                r.keywords.push_back(random_word(2, 5));
            }
            if (coin(rng) < 3) {
                std::string body;
                for (int i = 0; i < 3; ++i) {
                    body += pick({"a", "b", "n", "ñ", "_"});
                }
                r.handles.push_back("@" + body);
                r.hashtags.push_back("#" + body);
            }
            if (coin(rng) < 3) {
                r.exclude.push_back(random_word(3, 6));
            }
            rules.push_back(std::move(r));
        }
        const brand_matcher m(rules);
        brand_matcher::scratch s(m);
        ids out;
        for (int t = 0; t < 500; ++t) {
            std::string raw;
            const int n = std::uniform_int_distribution<int>(0, 60)(rng);
            for (int i = 0; i < n; ++i) {
                raw += pick(text_alphabet);
            }
            const std::string text = normalize_copy(raw);
            m.match(text, s, out);
            const ids expected = reference_match(rules, text);
            texts_with_brands += expected.empty() ? 0 : 1;
            for (std::uint32_t b = 0; b < rules.size(); ++b) {
                for (const std::string& x : rules[b].exclude) {
                    texts_with_excluded += reference_occurs(text, normalize_copy(x)) ? 1 : 0;
                }
            }
            ASSERT_EQ(out, expected)
                << "seed " << seed << " round " << round << " text \"" << text << "\"";
        }
    }
    // The generator must exercise both matches and excludes, or the test proves little.
    EXPECT_GT(texts_with_brands, 2000U);
    EXPECT_GT(texts_with_excluded, 50U);
}

} // namespace
