// Runs the text fuzz body without libFuzzer: every corpus file (with each language byte), then
// seeded random mutations of them with text-shaped pieces (emoji sequences, combining marks,
// hashtags, handles, URLs, apostrophes, capitals, invalid bytes). Registered as the
// `text_fuzz_smoke` test (label unit), so the ASan+UBSan build runs the invariants.
//
//   text_fuzz_replay [--iterations N] [--seed S] DIR...
//
// On a failed invariant the body aborts; the input is then saved to `text_fuzz_failure.bin`.
#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::string* g_current = nullptr;

extern "C" void save_current_input(int sig) {
    if (g_current != nullptr) {
        const int fd = ::open("text_fuzz_failure.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            const ssize_t n = ::write(fd, g_current->data(), g_current->size());
            (void)n;
            ::close(fd);
        }
        static const char msg[] = "text_fuzz_replay: input saved to text_fuzz_failure.bin\n";
        const ssize_t n = ::write(2, msg, sizeof msg - 1);
        (void)n;
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void run_one(const std::string& input) {
    g_current = &input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    g_current = nullptr;
}

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

} // namespace

int main(int argc, char** argv) {
    long long iterations = 20000;
    std::uint64_t seed = 1;
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--iterations" && i + 1 < argc) {
            iterations = std::atoll(argv[++i]);
        } else if (a == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else {
            dirs.push_back(a);
        }
    }
    std::signal(SIGABRT, save_current_input);
    std::signal(SIGSEGV, save_current_input);
    std::vector<std::string> corpus;
    for (const std::string& d : dirs) {
        for (const auto& entry : std::filesystem::directory_iterator(d)) {
            std::ifstream f(entry.path(), std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            for (char lang = 0; lang < 6; ++lang) {
                corpus.push_back(std::string(1, lang) + text);
                run_one(corpus.back());
            }
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "text_fuzz_replay: no corpus files in the given directories\n");
        return 2;
    }
    std::mt19937_64 rng(seed);
    for (long long i = 0; i < iterations; ++i) {
        run_one(mutate(corpus, rng));
    }
    std::printf("text_fuzz_replay: %zu corpus inputs and %lld mutations (seed %llu): all "
                "invariants held\n",
                corpus.size(), iterations, static_cast<unsigned long long>(seed));
    return 0;
}
