#pragma once

#include "alloc_counter.h"
#include "pulso/core/mention.h"
#include "pulso/window/window_types.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::test {

/// "prefix" + n without GCC 12's -Wrestrict false positive on operator+(const char*, string&&).
inline std::string cat(std::string_view prefix, std::uint64_t n) {
    std::string s(prefix);
    s += std::to_string(n);
    return s;
}

/// Seed for randomised tests: PULSO_SEED when set, else random; printed either way.
inline std::uint64_t test_seed(const char* test_name) {
    std::uint64_t seed = 0;
    if (const char* env = std::getenv("PULSO_SEED"); env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 10);
    } else {
        seed = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    }
    std::cout << "[ seed     ] " << test_name << ": PULSO_SEED=" << seed << "\n";
    return seed;
}

inline lang_code make_lang(std::string_view s) {
    lang_code l;
    l.chars = {0, 0, 0, 0};
    for (std::size_t i = 0; i < s.size() && i < 3; ++i) {
        l.chars[i] = s[i];
    }
    l.size = static_cast<std::uint8_t>(s.size() < 3 ? s.size() : 3);
    return l;
}

/// A mention that owns its strings; view() builds the borrowed form the fold takes. The
/// returned view points into this object: do not move it while the view is in use.
struct owned_mention {
    std::string id;
    std::string author_id;
    std::string handle;
    std::string repost_of;
    millis created_at = 0;
    std::uint64_t followers = 0;
    std::uint64_t likes = 0;
    std::uint64_t shares = 0;
    std::uint64_t comments = 0;
    platform plat = platform::other;
    lang_code lang;
    bool has_repost = false;
    float score = 0.0F;
    std::vector<std::uint32_t> brands;
    std::vector<std::string> hashtags;
    std::vector<std::string> terms;
    std::uint64_t cluster_key = 0;
    std::int64_t offset = 0;

    mention m_;
    std::vector<std::string_view> hv_;
    std::vector<std::string_view> tv_;

    [[nodiscard]] sentiment_class cls() const noexcept { return classify_sentiment(score); }
    [[nodiscard]] std::string author_key() const { return handle.empty() ? author_id : handle; }

    enriched_mention view() {
        m_ = mention{};
        m_.id = id;
        m_.author_id = author_id;
        m_.author_handle = handle;
        m_.repost_of = repost_of;
        m_.created_at = created_at;
        m_.followers = followers;
        m_.likes = likes;
        m_.shares = shares;
        m_.comments = comments;
        m_.plat = plat;
        m_.lang = lang;
        m_.has_repost_of = has_repost;
        m_.has_sentiment = true;
        m_.sentiment = score;
        hv_.assign(hashtags.begin(), hashtags.end());
        tv_.assign(terms.begin(), terms.end());
        enriched_mention em;
        em.m = &m_;
        em.score = score;
        em.sentiment = cls();
        em.brands = brands;
        em.hashtags = hv_;
        em.terms = tv_;
        em.cluster_key = cluster_key;
        em.offset = offset;
        return em;
    }
};

} // namespace pulso::test
