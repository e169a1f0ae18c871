// Checks that the per-mention path allocates nothing in steady state, by counting calls to the
// global operator new while a flag is set (this binary replaces operator new/delete).

#include "pulso/text/brand_matcher.h"
#include "pulso/text/normalizer.h"
#include "pulso/text/tokens.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};
} // namespace

void* operator new(std::size_t n) {
    if (g_counting.load(std::memory_order_relaxed)) {
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    }
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
// Every unaligned form goes through the counting malloc/free pair, so that libraries using
// the nothrow or array forms (Hyperscan does) stay matched under ASan.
void* operator new[](std::size_t n) {
    return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return operator new(n);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
    return operator new(n, t);
}
// GCC 12 flags free() inside a replacing operator delete once inlined (a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop

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
    g_allocations = 0;
    g_counting = true;
    std::size_t again = 0;
    for (int i = 0; i < 100; ++i) {
        again += run_all();
    }
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0U);
    EXPECT_EQ(again, warm * 100);
    EXPECT_GT(warm, 400U);
}

} // namespace
