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
    auto below = [&rng](std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::string s = corpus[below(corpus.size())];
    const std::size_t edits = 1 + below(4);
    for (std::size_t e = 0; e < edits; ++e) {
        const std::size_t pos = below(s.size() + 1);
        switch (below(7)) {
        case 0: // flip a byte
            if (!s.empty()) {
                s[below(s.size())] ^= static_cast<char>(1U << below(8));
            }
            break;
        case 1: // random byte
            s.insert(pos, 1, static_cast<char>(below(256)));
            break;
        case 2: // token
        case 3:
            s.insert(pos, k_tokens[below(k_tokens.size())]);
            break;
        case 4: // delete a range
            s.erase(pos, below(16) + 1);
            break;
        case 5: { // duplicate a range
            const std::string piece = s.substr(pos, below(32) + 1);
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
    return pulso::fuzz::replay_main(argc, argv, "parse_fuzz", mutate, 200'000);
}
