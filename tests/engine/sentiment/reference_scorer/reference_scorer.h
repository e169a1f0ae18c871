#pragma once

#include <string_view>

namespace pulso::sentiment_reference {

/// The lexicon scorer exactly as it was before the speed-up (a frozen copy of
/// engine/sentiment/src, compiled into sentiment_test only). lexicon_scorer::score must return
/// bit-for-bit the same float for every input.
/// @thread any
[[nodiscard]] float reference_score(std::string_view raw, std::string_view normalized,
                                    std::string_view lang) noexcept;

} // namespace pulso::sentiment_reference
