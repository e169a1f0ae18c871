#include "pulso/core/hash.h"
#include "pulso/window/fast_hash.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

namespace pulso {
namespace {

TEST(FastHash, EqualsHash64ForEveryLength) {
    const std::uint64_t seed = test::test_seed("FastHash.EqualsHash64ForEveryLength");
    std::mt19937_64 rng(seed);
    // Each length from 0 to 200 at every offset inside a buffer (alignment and the bytes
    // around the string must not matter), with random bytes including 0x00 and 0xFF.
    std::string buf(256, '\0');
    for (int round = 0; round < 20; ++round) {
        for (char& c : buf) {
            c = static_cast<char>(rng());
        }
        for (std::size_t len = 0; len <= 200; ++len) {
            for (std::size_t off = 0; off < 8; ++off) {
                const std::string_view s(buf.data() + off, len);
                ASSERT_EQ(hash64_fast(s), hash64(s)) << "len " << len << " off " << off;
                const std::uint64_t key_seed = rng();
                ASSERT_EQ(hash64_fast(s, key_seed), hash64(s, key_seed)) << "len " << len;
            }
        }
    }
}

TEST(FastHash, ReadsNothingPastTheEnd) {
    // Strings that end exactly where their (exactly sized) heap buffer ends: ASan builds
    // report any read past them.
    for (std::size_t len = 0; len <= 40; ++len) {
        auto owned = std::make_unique<char[]>(len == 0 ? 1 : len);
        for (std::size_t i = 0; i < len; ++i) {
            owned[i] = static_cast<char>('a' + i % 26);
        }
        const std::string_view s(owned.get(), len);
        ASSERT_EQ(hash64_fast(s), hash64(s)) << "len " << len;
    }
}

} // namespace
} // namespace pulso
