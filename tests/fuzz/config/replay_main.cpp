// Runs the config fuzz body without libFuzzer: every file of the given corpus directories,
// then seeded mutations of them (YAML punctuation, keys, durations, numbers). Registered as
// the `config_fuzz_smoke` test, so the sanitizer builds run the invariants too.
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
    auto below = [&rng](std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::string s = corpus[below(corpus.size())];
    const std::size_t edits = 1 + below(4);
    for (std::size_t e = 0; e < edits; ++e) {
        const std::size_t pos = below(s.size() + 1);
        switch (below(6)) {
        case 0: // flip a byte
            if (!s.empty()) {
                s[below(s.size())] ^= static_cast<char>(1U << below(8));
            }
            break;
        case 1: // token
        case 2:
            s.insert(pos, k_tokens[below(k_tokens.size())]);
            break;
        case 3: // delete a range
            s.erase(pos, below(16) + 1);
            break;
        case 4: { // duplicate a range (repeated keys, nested sections)
            const std::string piece = s.substr(pos, below(48) + 1);
            s.insert(below(s.size() + 1), piece);
            break;
        }
        default: { // splice with another corpus entry
            const std::string& other = corpus[below(corpus.size())];
            s = s.substr(0, pos) + other.substr(below(other.size() + 1));
        }
        }
    }
    return s;
}

} // namespace

int main(int argc, char** argv) {
    return pulso::fuzz::replay_main(argc, argv, "config_fuzz", mutate, 20'000);
}
