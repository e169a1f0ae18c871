#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pulso::test {

/// Seed for randomised tests: `PULSO_SEED` when set, else the clock. Printed so that a
/// failure can be replayed with `PULSO_SEED=<seed>` and the same test binary.
inline std::uint64_t test_seed(const char* test_name) {
    std::uint64_t seed = 0;
    if (const char* env = std::getenv("PULSO_SEED"); env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 10);
    } else {
        seed =
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    std::printf("[ seed     ] %s: PULSO_SEED=%llu\n", test_name,
                static_cast<unsigned long long>(seed));
    return seed;
}

} // namespace pulso::test
