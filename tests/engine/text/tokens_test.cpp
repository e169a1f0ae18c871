#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"
#include "test_seed.h"

// The stopword lists themselves (private to engine/text), so that the reference below builds
// its own std::set from the same words.
#include "../../../engine/text/src/term_key.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using pulso::normalize_copy;
using views = std::vector<std::string_view>;

struct extracted {
    std::string text; // owns what the views borrow
    pulso::token_lists lists;
};

extracted extract(std::string_view raw) {
    extracted e{normalize_copy(raw), {}};
    pulso::extract_tokens(e.text, e.lists);
    return e;
}

TEST(Tokens, HashtagsNormalisedAndDistinct) {
    EXPECT_EQ(extract("Sin luz otra vez #Apagón #APAGÓN #apagon").lists.hashtags, views{"#apagon"});
    EXPECT_EQ(extract("#acme #Other #acme").lists.hashtags, views({"#acme", "#other"}));
    EXPECT_EQ(extract("#2024 #covid_19!").lists.hashtags, views({"#2024", "#covid_19"}));
    EXPECT_EQ(extract("(#acme), #дом #中文").lists.hashtags, views({"#acme", "#дом", "#中文"}));
}

TEST(Tokens, HashtagNeedsBoundaryBefore) {
    EXPECT_EQ(extract("a#b").lists.hashtags, views{});
    EXPECT_EQ(extract("x#acme").lists.hashtags, views{});
    EXPECT_EQ(extract("##x").lists.hashtags, views{"#x"});
    EXPECT_EQ(extract("# x #").lists.hashtags, views{});
    EXPECT_EQ(extract("#").lists.hashtags, views{});
    EXPECT_EQ(extract("@#tag").lists.hashtags, views{"#tag"});
    EXPECT_EQ(extract("#a#b").lists.hashtags, views{"#a"});
    EXPECT_EQ(extract("#acme-fan").lists.hashtags, views{"#acme"});
}

TEST(Tokens, TermsSkipStopwordsShortAndDigits) {
    const auto e = extract("The refund is LATE, refund now! 2024 covid19 ab ok 1st");
    EXPECT_EQ(e.lists.terms, views({"refund", "late", "covid19", "1st"}));
    EXPECT_EQ(extract("¿Por qué no funciona la aplicación? también").lists.terms,
              views({"funciona", "aplicacion"}));
    EXPECT_EQ(extract("Não consigo acessar a conta, você sabe?").lists.terms,
              views({"consigo", "acessar", "conta", "sabe"}));
    EXPECT_EQ(extract("RT via @x: amp https").lists.terms, views{});
    EXPECT_EQ(extract("дом да 中文字 ٣٣٣").lists.terms, views({"дом", "中文字"}));
}

TEST(Tokens, TermsNotAfterSigils) {
    const auto e = extract("@acme_support #acmefan a#bcd great service");
    EXPECT_EQ(e.lists.terms, views({"great", "service"}));
    EXPECT_EQ(e.lists.hashtags, views{"#acmefan"});
}

TEST(Tokens, UrlsSkipped) {
    const auto e = extract("see https://acme.com/refund-policy now and www.acme.com/Help "
                           "http://x.io/outage?q=1 then outage");
    EXPECT_EQ(e.lists.terms, views({"see", "outage"}));
    EXPECT_EQ(extract("wwwacme rocks").lists.terms, views({"wwwacme", "rocks"}));
    EXPECT_EQ(extract("xhttps://foo.bar baz").lists.terms, views({"xhttps", "foo", "bar", "baz"}));
    EXPECT_EQ(extract("#www.example").lists.hashtags, views{"#www"});
}

TEST(Tokens, FirstAppearanceOrderAndViewsIntoText) {
    const auto e = extract("zebra apple zebra mango apple");
    EXPECT_EQ(e.lists.terms, views({"zebra", "apple", "mango"}));
    for (std::string_view v : e.lists.terms) {
        EXPECT_GE(v.data(), e.text.data());
        EXPECT_LE(v.data() + v.size(), e.text.data() + e.text.size());
    }
}

TEST(Tokens, ManyDistinctTokensDedupedBeyondLinearLimit) {
    std::string raw;
    std::vector<std::string> words;
    for (int i = 0; i < 300; ++i) {
        std::string w = "w";
        w.append(std::to_string(i)).append("x");
        words.push_back(w);
    }
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 300; ++i) {
            raw.append(words[static_cast<std::size_t>((i * 7 + round) % 300)])
                .append(" #")
                .append(words[static_cast<std::size_t>(i)])
                .append(" ");
        }
    }
    pulso::token_lists out;
    const std::string text = normalize_copy(raw);
    for (int repeat = 0; repeat < 2; ++repeat) { // the second run reuses capacity and tables
        pulso::extract_tokens(text, out);
        ASSERT_EQ(out.terms.size(), 300U);
        ASSERT_EQ(out.hashtags.size(), 300U);
        for (std::size_t i = 0; i < 300; ++i) {
            EXPECT_EQ(out.terms[i], words[(i * 7) % 300]);
            ASSERT_EQ(out.hashtags[i].substr(0, 1), "#");
            EXPECT_EQ(out.hashtags[i].substr(1), words[i]);
        }
    }
    pulso::extract_tokens("short text block", out);
    EXPECT_EQ(out.terms, views({"short", "text", "block"}));
    EXPECT_EQ(out.hashtags, views{});
}

TEST(Tokens, Stopwords) {
    for (const char* w : {"the", "and", "with", "que", "para", "porque", "nao", "voce", "tambem",
                          "tambien", "rt", "via", "amp", "https", "estao", "aqui", "those"}) {
        EXPECT_TRUE(pulso::is_stopword(w)) << w;
    }
    for (const char* w : {"também", "não", "você"}) {
        EXPECT_TRUE(pulso::is_stopword(normalize_copy(w))) << w;
    }
    for (const char* w : {"refund", "apagon", "outage", "", "thequick", "THE"}) {
        EXPECT_FALSE(pulso::is_stopword(w)) << w;
    }
}

// ---- plain reference: one code point at a time, std::set for stopwords and dedupe ----

struct ref_cp {
    std::int32_t cp;   // -1 for an invalid byte
    std::size_t begin; // byte offset
    std::size_t end;
};

std::vector<ref_cp> ref_decode(std::string_view s) {
    std::vector<ref_cp> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::int32_t cp = -1;
        const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                        static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
        const std::size_t len = n > 0 && cp >= 0 ? static_cast<std::size_t>(n) : 1;
        out.push_back({n > 0 ? cp : -1, i, i + len});
        i += len;
    }
    return out;
}

bool ref_word(std::int32_t cp) {
    if (cp < 0) {
        return false;
    }
    if (cp == '_') {
        return true;
    }
    const auto c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND;
}

bool ref_digit(std::int32_t cp) {
    return cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

bool ref_space(std::int32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r';
}

const std::set<std::string, std::less<>>& ref_stopwords() {
    static const std::set<std::string, std::less<>> set = [] {
        std::set<std::string, std::less<>> s;
        for (auto list : pulso::text_detail::stopword_lists()) {
            for (std::string_view w : list) {
                s.emplace(w);
            }
        }
        return s;
    }();
    return set;
}

pulso::token_lists reference_tokens(std::string_view s) {
    const auto cps = ref_decode(s);
    pulso::token_lists out;
    std::set<std::string_view> seen_tags;
    std::set<std::string_view> seen_terms;
    auto view = [&](std::size_t from, std::size_t to) {
        return s.substr(cps[from].begin, cps[to - 1].end - cps[from].begin);
    };
    std::size_t k = 0;
    while (k < cps.size()) {
        const bool boundary = k == 0 || !ref_word(cps[k - 1].cp);
        const std::string_view rest = s.substr(cps[k].begin);
        if (boundary && (rest.starts_with("http://") || rest.starts_with("https://") ||
                         rest.starts_with("www."))) {
            while (k < cps.size() && !ref_space(cps[k].cp)) {
                ++k;
            }
            continue;
        }
        if (boundary && cps[k].cp == '#' && k + 1 < cps.size() && ref_word(cps[k + 1].cp)) {
            std::size_t e = k + 1;
            while (e < cps.size() && ref_word(cps[e].cp)) {
                ++e;
            }
            const std::string_view tag = view(k, e);
            if (seen_tags.insert(tag).second) {
                out.hashtags.push_back(tag);
            }
            k = e;
            continue;
        }
        if (ref_word(cps[k].cp)) {
            std::size_t e = k;
            bool digits = true;
            while (e < cps.size() && ref_word(cps[e].cp)) {
                digits = digits && ref_digit(cps[e].cp);
                ++e;
            }
            const std::string_view term = view(k, e);
            const bool sigil = k > 0 && (cps[k - 1].cp == '#' || cps[k - 1].cp == '@');
            if (!sigil && e - k >= 3 && !digits && !ref_stopwords().contains(term) &&
                seen_terms.insert(term).second) {
                out.terms.push_back(term);
            }
            k = e;
            continue;
        }
        ++k;
    }
    return out;
}

/// Random text made of the pieces that matter to the rules, joined by spaces or punctuation.
std::string random_text(std::mt19937_64& rng, bool invalid_bytes) {
    static const std::vector<std::string> pieces = {
        "the",
        "and",
        "refund",
        "servico",
        "que",
        "para",
        "nao",
        "outage",
        "ok",
        "a",
        "ab",
        "abc",
        "Refund",
        "REFUND",
        "café",
        "atenção",
        "naïve",
        "дом",
        "да",
        "中文字",
        "中",
        "٣٣٣",
        "١٢٣abc",
        "2024",
        "covid19",
        "1st",
        "12345",
        "w0rd",
        "_x_",
        "__",
        "a_b",
        "#",
        "##",
        "#x",
        "##x",
        "a#b",
        "#acme",
        "#café",
        "#2024",
        "#中文",
        "#a#b",
        "@",
        "@x",
        "@acme_support",
        "a@bcd",
        "http://",
        "https://",
        "www.",
        "http://x.io/a?b=1",
        "https://acme.com/refund-policy",
        "www.acme.com",
        "wwwacme",
        "xhttps://foo.bar",
        "http",
        "https",
        "www",
        "😀",
        "👍🏽",
        "❤️",
        "🔥fire",
        "x😀y",
        "ß",
        "œuvre",
        "ǅemal",
        "ʻokina",
        "ı",
        "hhttp://",
        "#www.example",
        "@http://x.com/abc",
        "a#http://x.com/q",
        "longwordlongwordlongword",
        "longwordlongwordlongwordlongwordlongwordlongwordlongwordxx",
        "中文字中文字中文字中文字中文字中文字中文字中文字中文字",
        "ourselves",
        "themselves",
        "yourselves",
        "cualquier",
        "jajajaja",
        "kkkkk"};
    static const std::vector<std::string> seps = {" ",  " ", " ", "  ",     ",",      ".", "!",
                                                  "?",  "-", "/", "(",      ")",      ":", "\t",
                                                  "\n", "'", "",  "\u00a0", "\u3000", "…"};
    std::string text;
    const std::size_t parts = std::uniform_int_distribution<std::size_t>(0, 90)(rng);
    for (std::size_t p = 0; p < parts; ++p) {
        text += pieces[rng() % pieces.size()];
        text += seps[rng() % seps.size()];
        if (rng() % 8 == 0) { // random ASCII word, sometimes long
            const std::size_t len = 1 + rng() % 20;
            for (std::size_t j = 0; j < len; ++j) {
                text.push_back(
                    static_cast<char>("abcdefghijklmnopqrstuvwxyz0123456789_#@"[rng() % 39]));
            }
        }
        if (invalid_bytes && rng() % 6 == 0) {
            text.push_back(static_cast<char>(0x80 + rng() % 128));
        }
    }
    return text;
}

void expect_matches_reference(std::string_view text, pulso::token_lists& got, std::uint64_t seed,
                              int round) {
    pulso::extract_tokens(text, got);
    const pulso::token_lists want = reference_tokens(text);
    ASSERT_EQ(got.hashtags, want.hashtags)
        << "PULSO_SEED=" << seed << " round " << round << " text: " << text;
    ASSERT_EQ(got.terms, want.terms)
        << "PULSO_SEED=" << seed << " round " << round << " text: " << text;
    for (std::string_view v : got.terms) { // views into the text, not copies
        ASSERT_GE(v.data(), text.data());
        ASSERT_LE(v.data() + v.size(), text.data() + text.size());
    }
}

TEST(Tokens, MatchesReferenceOnRandomNormalisedTexts) {
    const std::uint64_t seed =
        pulso::test::test_seed("Tokens.MatchesReferenceOnRandomNormalisedTexts");
    std::mt19937_64 rng(seed);
    pulso::normalizer n;
    pulso::token_lists got; // reused: capacity and per-thread tables carry over between texts
    for (int round = 0; round < 20000; ++round) {
        const std::string raw = random_text(rng, false);
        const std::string text(n.normalize(raw));
        expect_matches_reference(text, got, seed, round);
        if (HasFatalFailure()) {
            return;
        }
    }
}

TEST(Tokens, MatchesReferenceOnRawAndInvalidUtf8) {
    // Not what the engine passes (it passes normalised text), but the result must still be the
    // reference's: upper case, tabs, and invalid bytes (never part of a word).
    const std::uint64_t seed = pulso::test::test_seed("Tokens.MatchesReferenceOnRawAndInvalidUtf8");
    std::mt19937_64 rng(seed);
    pulso::token_lists got;
    for (int round = 0; round < 20000; ++round) {
        std::string text = random_text(rng, true);
        if (rng() % 4 == 0) { // cut anywhere, also inside a multi-byte sequence
            text.resize(rng() % (text.size() + 1));
        }
        expect_matches_reference(text, got, seed, round);
        if (HasFatalFailure()) {
            return;
        }
    }
}

TEST(Tokens, StopwordLookupMatchesLists) {
    const auto& set = ref_stopwords();
    EXPECT_GE(set.size(), 450U);
    for (const std::string& w : set) {
        EXPECT_TRUE(pulso::is_stopword(w)) << w;
        EXPECT_FALSE(pulso::is_stopword(w + "x")) << w << "x";
        EXPECT_FALSE(pulso::is_stopword(w + std::string(1, '\0'))) << w << "\\0";
    }
}

TEST(Tokens, RunsAcrossChunkBoundaries) {
    // Words, hashtags and multi-byte code points straddling the 64-byte blocks of the scan.
    pulso::token_lists got;
    for (std::size_t pad = 0; pad < 140; ++pad) {
        std::string text(pad, ' ');
        text += "refund #café atenção 中文字中文字 x#abc @handle 12345 longwordlongwordlongwordz "
                "refund";
        expect_matches_reference(text, got, 0, static_cast<int>(pad));
        ASSERT_EQ(got.terms.size(), 4U) << pad;
        ASSERT_EQ(got.hashtags.size(), 1U) << pad;
    }
}

} // namespace
