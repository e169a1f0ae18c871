#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

/// Programmer-error check: always on, logs and aborts. Never reachable from input.
#define PULSO_ASSERT(cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            ::pulso::detail::assert_failed(#cond, __FILE__, __LINE__, fmt::format(__VA_ARGS__));   \
        }                                                                                          \
    } while (0)

namespace pulso::detail {
[[noreturn]] inline void assert_failed(const char* cond, const char* file, int line,
                                       const std::string& msg) {
    std::fprintf(stderr, "pulso: assertion failed: %s at %s:%d: %s\n", cond, file, line,
                 msg.c_str());
    std::abort();
}
} // namespace pulso::detail
