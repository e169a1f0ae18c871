#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pulso {

/// A fast 64-bit non-cryptographic hash of bytes (wyhash-style multiply-mix). Stable across
/// runs and machines of the same endianness: sketches and ids depend on it. The last 0–15
/// bytes are assembled from loads inside the string (two overlapping 4-byte loads, or three
/// single bytes): a variable-length memcpy into a zeroed word would cost a store-forwarding
/// stall per call on the per-mention path, and nothing is read past the end.
inline std::uint64_t hash64(std::string_view s,
                            std::uint64_t seed = 0x9E3779B97F4A7C15ULL) noexcept {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "hash64 assumes little-endian");
    constexpr std::uint64_t k1 = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t k2 = 0xe7037ed1a0b428dbULL;
    auto mix = [](std::uint64_t a, std::uint64_t b) noexcept {
        const __uint128_t r = static_cast<__uint128_t>(a) * b;
        return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
    };
    auto read8 = [](const char* p) noexcept {
        std::uint64_t v = 0;
        std::memcpy(&v, p, 8);
        return v;
    };
    auto read4 = [](const char* p) noexcept {
        std::uint32_t v = 0;
        std::memcpy(&v, p, 4);
        return static_cast<std::uint64_t>(v);
    };
    // The k < 8 bytes at p as a little-endian word, zero-extended.
    auto read_lt8 = [&read4](const char* p, std::size_t k) noexcept -> std::uint64_t {
        if (k >= 4) {
            // Overlapping bytes land at the same position in both loads: OR is exact.
            return read4(p) | (read4(p + k - 4) << (8 * (k - 4)));
        }
        if (k == 0) {
            return 0;
        }
        const auto byte = [p](std::size_t i) noexcept {
            return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
        };
        return byte(0) | byte(k / 2) | byte(k - 1);
    };
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = seed ^ (n * k1);
    while (n >= 16) {
        h = mix(read8(p) ^ k1, read8(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n >= 8) {
        a = read8(p);
        b = read_lt8(p + 8, n - 8);
    } else {
        a = read_lt8(p, n);
    }
    return mix(mix(a ^ k1, b ^ h) ^ k2, h ^ n);
}

/// Finaliser for 64-bit integers (splitmix64).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

} // namespace pulso
