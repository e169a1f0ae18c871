// Checks that the per-mention path allocates nothing in steady state, by counting calls to the
// global operator new (this binary links tests/support's replacement).

#include "alloc_counter.h"
#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

TEST(TextAllocations, SteadyStateAllocatesNothing) {
    std::vector<pulso::brand_rule> rules;
    for (int b = 0; b < 100; ++b) {
        pulso::brand_rule r;
        r.name = "brand" + std::to_string(b);
        r.keywords = {"marca " + std::to_string(b), "brand" + std::to_string(b)};
        r.handles = {"@brand" + std::to_string(b)};
        r.hashtags = {"#brand" + std::to_string(b)};
        r.exclude = {"not brand" + std::to_string(b)};
        rules.push_back(std::move(r));
    }
    const pulso::brand_matcher matcher(rules);
    pulso::brand_matcher::scratch scratch(matcher);
    pulso::normalizer norm;
    std::vector<std::uint32_t> ids;
    pulso::token_lists tokens;
    std::vector<std::string> texts = {
        "¡La Marca 7 no funciona! #Apagón @brand7 https://t.co/xyz 😡😡",
        "brand12 and BRAND13 are great, #brand12 #love not brand13",
        "Não consigo acessar o aplicativo da marca 42 desde ontem… péssimo serviço",
        "ﬁnally ＡＣＭＥ fixed the İstanbul outage\u00A0\u3000 thanks",
        "invalid \xff bytes \xc3 and 한국어 text with marca 99",
    };
    std::string many; // > 64 distinct terms and hashtags: exercises the dedupe index
    for (int i = 0; i < 200; ++i) {
        many += "word" + std::to_string(i) + "x #tag" + std::to_string(i) + " ";
    }
    texts.push_back(many);
    auto run_all = [&] {
        std::size_t found = 0;
        for (const std::string& t : texts) {
            const std::string_view n = norm.normalize(t);
            matcher.match(n, scratch, ids);
            pulso::extract_tokens(n, tokens);
            found += ids.size() + tokens.terms.size() + tokens.hashtags.size();
        }
        return found;
    };
    const std::size_t warm = run_all(); // first calls size the buffers
    const std::size_t before = pulso::test::allocation_count();
    std::size_t again = 0;
    for (int i = 0; i < 100; ++i) {
        again += run_all();
    }
    EXPECT_EQ(pulso::test::allocation_count() - before, 0U);
    EXPECT_EQ(again, warm * 100);
    EXPECT_GT(warm, 400U);
}

} // namespace
