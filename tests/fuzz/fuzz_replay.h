#pragma once

// The replay drivers of the fuzz targets (tests/fuzz/*/): run a target's
// LLVMFuzzerTestOneInput without libFuzzer, on every corpus file and then on seeded random
// mutations, so that any compiler and the sanitizer builds run the fuzz invariants as a
// plain test. Include from exactly one translation unit per driver executable.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace pulso::fuzz {

/// Makes a test input from a random corpus entry.
using mutator = std::string (*)(const std::vector<std::string>& corpus, std::mt19937_64& rng);
/// Turns one corpus file into the inputs it stands for (e.g. one per language byte).
using expander = std::vector<std::string> (*)(std::string file);

namespace detail {
inline const std::string* current = nullptr;
inline std::string failure_file;

inline void save_current_input(int sig) {
    if (current != nullptr) {
        const int fd = ::open(failure_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            const ssize_t n = ::write(fd, current->data(), current->size());
            (void)n;
            ::close(fd);
        }
        const ssize_t n = ::write(2, "fuzz replay: input saved to ", 28);
        const ssize_t m = ::write(2, failure_file.data(), failure_file.size());
        const ssize_t k = ::write(2, "\n", 1);
        (void)n;
        (void)m;
        (void)k;
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

inline void run_one(const std::string& input) {
    current = &input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    current = nullptr;
}
} // namespace detail

/// A mutation of a random corpus entry: 1–4 edits among a flipped bit, a random byte, one of
/// `tokens` inserted, a range deleted, a range repeated, a splice with another entry.
inline std::string token_mutation(const std::vector<std::string>& corpus, std::mt19937_64& rng,
                                  std::span<const std::string_view> tokens) {
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
            s.insert(pos, tokens[below(tokens.size())]);
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

/// `NAME_replay [--iterations N] [--seed S] DIR...`: runs every corpus input (each file as is,
/// or through `expand`), then `iterations` mutations from `mutate` seeded with S. A crash or a
/// failed invariant (abort) while an input runs saves it to `NAME_failure.bin` in the working
/// directory. Returns the exit code: 0, or 2 for a bad command line or an empty corpus.
inline int replay_main(int argc, char** argv, const std::string& name, mutator mutate,
                       std::uint64_t iterations, expander expand = nullptr) {
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
                if (!entry.is_regular_file()) {
                    continue;
                }
                std::ifstream f(entry.path(), std::ios::binary);
                std::string file((std::istreambuf_iterator<char>(f)),
                                 std::istreambuf_iterator<char>());
                if (expand == nullptr) {
                    corpus.push_back(std::move(file));
                } else {
                    for (std::string& input : expand(std::move(file))) {
                        corpus.push_back(std::move(input));
                    }
                }
            }
            if (ec) {
                std::fprintf(stderr, "%s_replay: cannot read %s: %s\n", name.c_str(), arg.c_str(),
                             ec.message().c_str());
                return 2;
            }
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: %s_replay [--iterations N] [--seed S] DIR...\n", name.c_str());
        return 2;
    }
    detail::failure_file = name + "_failure.bin";
    std::signal(SIGABRT, detail::save_current_input);
    std::signal(SIGSEGV, detail::save_current_input);
    for (const std::string& c : corpus) {
        detail::run_one(c);
    }
    std::mt19937_64 rng(seed);
    for (std::uint64_t i = 0; i < iterations; ++i) {
        detail::run_one(mutate(corpus, rng));
    }
    std::printf("%s_replay: %zu corpus inputs + %llu mutations (seed %llu): ok\n", name.c_str(),
                corpus.size(), static_cast<unsigned long long>(iterations),
                static_cast<unsigned long long>(seed));
    return 0;
}

} // namespace pulso::fuzz
