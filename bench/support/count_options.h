#pragma once

// Command-line options of the harnesses that are not Google Benchmark programs
// (e2e_bench, kafka_consume_bench): `--name N` pairs of positive integers.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace pulso::bench {

/// One `--name N` option and where its value goes (an int option accepts up to `max`, at most
/// INT_MAX).
struct count_option {
    count_option(std::string_view n, std::int64_t* v,
                 std::int64_t m = std::numeric_limits<std::int64_t>::max())
        : name(n), wide(v), max(m) {}
    count_option(std::string_view n, int* v, std::int64_t m = std::numeric_limits<int>::max())
        : name(n), narrow(v), max(std::min<std::int64_t>(m, std::numeric_limits<int>::max())) {}

    std::string_view name; ///< with the leading `--`
    std::int64_t* wide = nullptr;
    int* narrow = nullptr;
    std::int64_t max; ///< largest accepted value

    void set(std::int64_t v) const {
        if (wide != nullptr) {
            *wide = v;
        } else {
            *narrow = static_cast<int>(v);
        }
    }
};

/// Parses argv[1..argc) as `--name N` pairs. `-h`/`--help` prints `usage` to stdout and exits
/// 0; an unknown option, a missing value, or a value that is not an integer in [1, max] prints
/// what is wrong and `usage` to stderr and exits 2 (a typo must not start a minutes-long run
/// with the defaults).
inline void parse_count_options(int argc, char** argv, std::initializer_list<count_option> opts,
                                const char* usage) {
    auto fail = [&](const char* what, std::string_view arg) {
        std::fprintf(stderr, "%s: %s '%.*s'\n%s", argv[0], what, static_cast<int>(arg.size()),
                     arg.data(), usage);
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        const count_option* opt = nullptr;
        for (const count_option& o : opts) {
            if (o.name == arg) {
                opt = &o;
            }
        }
        if (opt == nullptr) {
            fail("unknown option", arg);
        }
        if (i + 1 >= argc) {
            fail("missing value after", arg);
        }
        const std::string_view text = argv[++i];
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v <= 0 || v > opt->max) {
            fail(v > opt->max ? "value too large" : "expected a positive integer, got", text);
        }
        opt->set(v);
    }
}

} // namespace pulso::bench
