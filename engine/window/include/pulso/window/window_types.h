#pragma once

#include "pulso/core/mention.h"
#include "pulso/core/time.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace pulso {

/// Window settings (CONTRACT §2 `windows`, `watermark`, `dedupe`), fixed for a shard's life.
struct window_options {
    millis size = 60'000;
    millis slide = 60'000; ///< == size: tumbling; < size (and dividing it): hopping
    millis allowed_lateness = 0;
    millis max_out_of_order = 10'000;
    millis dedupe_horizon = 600'000;
    std::uint64_t influencer_followers = 100'000; ///< detect.influencer_followers (evidence)
    std::size_t sketch_capacity = 1000;           ///< Space-Saving counters for hashtags and terms
};

/// What the fold needs to know about one accepted mention once it is parsed and enriched.
/// Views borrow from the parser/normaliser of the calling worker, valid during the call.
struct enriched_mention {
    const mention* m = nullptr;
    float score = 0.0F; ///< sentiment score used (upstream or built-in)
    sentiment_class sentiment = sentiment_class::neutral;
    std::span<const std::uint32_t> brands;      ///< matched brand ids, ascending
    std::span<const std::string_view> hashtags; ///< distinct, normalised, with `#`
    std::span<const std::string_view> terms;    ///< distinct, normalised
    std::uint64_t cluster_key = 0; ///< hash of repost_of when present, else of normalised text
    std::int64_t offset = 0;       ///< input offset (Kafka offset, or line index in replay)
};

/// What happened to a mention handed to the fold.
enum class fold_result : std::uint8_t { folded, duplicate, late };

} // namespace pulso
