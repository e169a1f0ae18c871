// Runs the fuzz body without libFuzzer: every file of the given corpus directories, then
// random mutations of them (fixed seed, so a failure reproduces). Built by every compiler and
// registered as the `parse_fuzz_smoke` test, so ASan/UBSan CI runs the fuzz invariants.
//
//   parse_fuzz_replay [--iterations N] [--seed S] DIR...
//
// On an invariant failure the fuzz body aborts; the input being run is then saved to
// `parse_fuzz_failure.bin` in the working directory (replay it with libFuzzer or this tool).
#include "../fuzz_replay.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::array<std::string_view, 40> k_tokens = {"{",
                                                       "}",
                                                       "[",
                                                       "]",
                                                       ",",
                                                       ":",
                                                       "\"",
                                                       "\\",
                                                       "\\u",
                                                       "\\ud83d",
                                                       "\\ude00",
                                                       "null",
                                                       "true",
                                                       "false",
                                                       "-",
                                                       "0",
                                                       "1e400",
                                                       "-0",
                                                       "1.5",
                                                       "18446744073709551616",
                                                       "\"id\"",
                                                       "\"text\"",
                                                       "\"author\"",
                                                       "\"created_at\"",
                                                       "\"platform\"",
                                                       "\"engagement\"",
                                                       "\"likes\"",
                                                       "\"sentiment\"",
                                                       "\"lang\"",
                                                       "\"repost_of\"",
                                                       "\"followers\"",
                                                       "\"verified\"",
                                                       "Z",
                                                       "+05:30",
                                                       "2099-12-31T23:59:59.999Z",
                                                       "4102444800000",
                                                       "\xc3\xa9",
                                                       "\xff",
                                                       " ",
                                                       "\n"};

std::string mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
    return pulso::fuzz::token_mutation(corpus, rng, k_tokens);
}

} // namespace

int main(int argc, char** argv) {
    return pulso::fuzz::replay_main(argc, argv, "parse_fuzz", mutate, 200'000);
}
