// Runs the text fuzz body without libFuzzer: every corpus file (with each language byte), then
// seeded random mutations of them with text-shaped pieces (emoji sequences, combining marks,
// hashtags, handles, URLs, apostrophes, capitals, invalid bytes). Registered as the
// `text_fuzz_smoke` test (label unit), so the ASan+UBSan build runs the invariants.
//
//   text_fuzz_replay [--iterations N] [--seed S] DIR...
//
// On a failed invariant the body aborts; the input is then saved to `text_fuzz_failure.bin`.
#include "../fuzz_replay.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::array<std::string_view, 44> k_pieces = {
    "#",
    "@",
    "_",
    " ",
    "\t",
    "\n",
    "'",
    "\xE2\x80\x99", // ’
    "n't",
    "http://",
    "https://",
    "www.",
    "!",
    "?",
    "\xC2\xA1", // ¡
    "\xC2\xBF", // ¿
    ":)",
    ";p",
    ":-d",
    "<3",
    "ACME",
    "acme",
    "TelcoSur",
    "\xF0\x9F\x98\x8D", // 😍
    "\xE2\x80\x8D",     // ZWJ
    "\xEF\xB8\x8F",     // VS16
    "\xF0\x9F\x8F\xBD", // skin tone
    "\xCC\x81",         // combining acute
    "\xC3\xA9",         // é
    "\xEF\xAC\x81",     // ﬁ
    "\xEF\xBC\xA1",     // Ａ
    "\xE2\x85\xAB",     // Ⅻ
    "\xE6\x97\xA5",     // 日
    "\xD0\x96",         // Ж
    "\xEF\xBF\xBD",     // U+FFFD
    "\xE2\x80\xA8",     // line separator
    "\xC2\xA0",         // no-break space
    "\xFF",
    "\xC3",
    "\xED\xA0\x80", // invalid: 0xFF, truncated, surrogate
    "0123456789",
    "supercalifragilistic",
    "no",
    "muy"};

std::string mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
    auto below = [&rng](std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::string s = corpus[below(corpus.size())];
    const std::size_t edits = 1 + below(6);
    for (std::size_t e = 0; e < edits; ++e) {
        const std::size_t pos = 1 + below(s.size()); // byte 0 is the language
        switch (below(6)) {
        case 0: // flip a byte
            if (s.size() > 1) {
                s[1 + below(s.size() - 1)] ^= static_cast<char>(1U << below(8));
            }
            break;
        case 1: // a piece
        case 2:
        case 3:
            s.insert(std::min(pos, s.size()), k_pieces[below(k_pieces.size())]);
            break;
        case 4: // delete a range
            if (pos < s.size()) {
                s.erase(pos, below(8) + 1);
            }
            break;
        case 5: { // repeat a range
            if (pos < s.size()) {
                const std::string piece = s.substr(pos, below(24) + 1);
                s.insert(1 + below(s.size()), piece);
            }
            break;
        }
        }
    }
    s[0] = static_cast<char>(below(256));
    if (s.size() > 1025) {
        s.resize(1025);
    }
    return s;
}

/// Each corpus file with every language byte the body distinguishes (6).
std::vector<std::string> with_languages(std::string file) {
    std::vector<std::string> out;
    for (char lang = 0; lang < 6; ++lang) {
        out.push_back(std::string(1, lang) + file);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    return pulso::fuzz::replay_main(argc, argv, "text_fuzz", mutate, 20'000, with_languages);
}
