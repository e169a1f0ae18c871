// Runs the fuzz body without libFuzzer: every file of the given corpus directories, then
// random mutations of them (fixed seed, so a failure reproduces). Built by every compiler and
// registered as the `parse_fuzz_smoke` test, so ASan/UBSan CI runs the fuzz invariants.
//
//   parse_fuzz_replay [--iterations N] [--seed S] DIR...
//
// On an invariant failure the fuzz body aborts; the input being run is then saved to
// `parse_fuzz_failure.bin` in the working directory (replay it with libFuzzer or this tool).
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
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::string* g_current = nullptr;

extern "C" void save_current_input(int sig) {
    if (g_current != nullptr) {
        const int fd = ::open("parse_fuzz_failure.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            const ssize_t n = ::write(fd, g_current->data(), g_current->size());
            (void)n;
            ::close(fd);
        }
        static const char msg[] = "parse_fuzz_replay: input saved to parse_fuzz_failure.bin\n";
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
    std::uint64_t iterations = 200'000;
    std::uint64_t seed = 1;
    std::vector<std::string> corpus;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--iterations" && i + 1 < argc) {
            iterations = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else {
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
                if (entry.is_regular_file()) {
                    std::ifstream f(entry.path(), std::ios::binary);
                    corpus.emplace_back(std::istreambuf_iterator<char>(f),
                                        std::istreambuf_iterator<char>());
                }
            }
            if (ec) {
                std::fprintf(stderr, "parse_fuzz_replay: cannot read %s: %s\n", arg.c_str(),
                             ec.message().c_str());
                return 2;
            }
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: parse_fuzz_replay [--iterations N] [--seed S] DIR...\n");
        return 2;
    }
    std::signal(SIGABRT, save_current_input);
    std::signal(SIGSEGV, save_current_input);
    for (const std::string& c : corpus) {
        run_one(c);
    }
    std::mt19937_64 rng(seed);
    for (std::uint64_t i = 0; i < iterations; ++i) {
        run_one(mutate(corpus, rng));
    }
    std::printf("parse_fuzz_replay: %zu corpus inputs + %llu mutations (seed %llu): ok\n",
                corpus.size(), static_cast<unsigned long long>(iterations),
                static_cast<unsigned long long>(seed));
    return 0;
}
