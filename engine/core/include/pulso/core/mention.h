#pragma once

#include "pulso/core/time.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace pulso {

/// Platforms kept by name (CONTRACT §1); anything else is `other`.
enum class platform : std::uint8_t {
    twitter,
    x,
    facebook,
    instagram,
    youtube,
    tiktok,
    reddit,
    linkedin,
    news,
    blog,
    forum,
    other,
};
inline constexpr std::size_t k_platform_count = 12;

inline constexpr std::array<std::string_view, k_platform_count> k_platform_names = {
    "twitter", "x",        "facebook", "instagram", "youtube", "tiktok",
    "reddit",  "linkedin", "news",     "blog",      "forum",   "other"};

constexpr std::string_view to_string(platform p) noexcept {
    return k_platform_names[static_cast<std::size_t>(p)];
}

/// Maps an already lower-cased platform name to the enum (`other` when not kept).
constexpr platform platform_from_lower(std::string_view s) noexcept {
    for (std::size_t i = 0; i + 1 < k_platform_count; ++i) {
        if (k_platform_names[i] == s) {
            return static_cast<platform>(i);
        }
    }
    return platform::other;
}

/// Sentiment classes (CONTRACT §3).
enum class sentiment_class : std::uint8_t { positive, neutral, negative };
inline constexpr std::array<std::string_view, 3> k_sentiment_names = {"positive", "neutral",
                                                                      "negative"};

constexpr sentiment_class classify_sentiment(float score) noexcept {
    if (score >= 0.05F) {
        return sentiment_class::positive;
    }
    if (score <= -0.05F) {
        return sentiment_class::negative;
    }
    return sentiment_class::neutral;
}

/// A language code: the primary subtag, lower-cased, 2–3 ASCII letters, or `und`.
/// Kept inline (no allocation) so a mention view never points at scratch memory for it.
struct lang_code {
    std::array<char, 4> chars{'u', 'n', 'd', 0};
    std::uint8_t size = 3;

    [[nodiscard]] std::string_view view() const noexcept { return {chars.data(), size}; }
    friend bool operator==(const lang_code& a, const lang_code& b) noexcept {
        return a.view() == b.view();
    }
};

/// One parsed mention (CONTRACT §1). A view: its strings borrow from the parser that produced
/// it and stay valid until that parser parses its next record. Absent optional strings are
/// empty; `has_*` flags tell absent from empty where the contract cares.
struct mention {
    std::string_view id;
    std::string_view text;
    std::string_view author_id;
    std::string_view author_handle;
    std::string_view repost_of;
    std::string_view country;
    std::string_view url;
    millis created_at = 0;
    std::uint64_t followers = 0;
    std::uint64_t likes = 0;
    std::uint64_t shares = 0;
    std::uint64_t comments = 0;
    std::uint64_t views = 0;
    float sentiment = 0.0F; ///< upstream score, valid when has_sentiment
    platform plat = platform::other;
    lang_code lang;
    bool verified = false;
    bool has_sentiment = false;
    bool has_repost_of = false;

    [[nodiscard]] std::uint64_t engagement() const noexcept { return likes + shares + comments; }
};

} // namespace pulso
