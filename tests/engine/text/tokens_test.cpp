#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"

#include <gtest/gtest.h>

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

} // namespace
