#pragma once
// Shared by the tests that hold the scorer to the frozen reference (reference_scorer/).

#include "pulso/sentiment/lexicon_scorer.h"
#include "reference_scorer/reference_scorer.h"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace pulso::sentiment_reference {

/// "" when the library and the reference score bit-for-bit the same, else a description.
inline std::string compare_with_reference(std::string_view raw, std::string_view normalized,
                                          std::string_view lang) {
    const float got = lexicon_scorer::builtin().score(raw, normalized, lang);
    const float want = reference_score(raw, normalized, lang);
    if (std::bit_cast<std::uint32_t>(got) == std::bit_cast<std::uint32_t>(want)) {
        return {};
    }
    return "got " + std::to_string(got) + " want " + std::to_string(want) + " lang '" +
           std::string(lang) + "'\n raw: " + std::string(raw) +
           "\n norm: " + std::string(normalized);
}

/// PULSO_TEST_SEED when set (to repeat a run), else a random seed.
inline unsigned test_seed() {
    const char* env = std::getenv("PULSO_TEST_SEED");
    return env != nullptr ? static_cast<unsigned>(std::atoi(env)) : std::random_device{}();
}

} // namespace pulso::sentiment_reference
