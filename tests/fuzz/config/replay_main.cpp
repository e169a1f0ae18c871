// Runs the config fuzz body without libFuzzer: every file of the given corpus directories,
// then seeded mutations of them (YAML punctuation, keys, durations, numbers as tokens). Registered
// as the `config_fuzz_smoke` test, so the sanitizer builds run the invariants too.
//
//   config_fuzz_replay [--iterations N] [--seed S] DIR...
#include "../fuzz_replay.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::array<std::string_view, 36> k_tokens = {
    "{",       "}",     "[",      "]",     ",",      ": ",       "\n",
    "\n  ",    "- ",    "&a ",    "*a",    "<<: ",   "!!str ",   "!!int ",
    "|\n",     "\"",    "'",      "#",     "~",      "null",     "true",
    "1e400",   "-1",    "0x10",   "60s",   "1ms",    "25h",      "999999999999999999999",
    "windows", "slide", "brands", "kafka", "detect", "\xc3\xb1", "\xff",
    "\t"};

std::string mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
    return pulso::fuzz::token_mutation(corpus, rng, k_tokens);
}

} // namespace

int main(int argc, char** argv) {
    return pulso::fuzz::replay_main(argc, argv, "config_fuzz", mutate, 20'000);
}
