#pragma once

#include "pulso/core/time.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pulso::test {

/// Mentions of a generator scenario, one NDJSON line each, and the generator's brands YAML.
/// Kept in its own translation unit: the generator's header declares a pulso::record_kind of
/// its own that clashes with the pipeline's.
struct generated_input {
    std::string brands_yaml;
    std::vector<std::string> lines;
};

generated_input generate_scenario(std::string_view scenario, std::uint64_t seed, double rate,
                                  millis duration, bool with_sentiment);

} // namespace pulso::test
