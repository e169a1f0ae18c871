#include "pulso/core/hash.h"
#include "pulso/core/json_writer.h"
#include "pulso/core/time.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace pulso {
namespace {

millis parse_ok(std::string_view s) {
    millis t = 0;
    EXPECT_EQ(parse_rfc3339(s, t), time_errc::ok) << s;
    return t;
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
    constexpr millis base = 1795665600000; // 2026-11-26T04:00:00Z
    EXPECT_EQ(parse_ok("2026-11-26T04:00:00Z"), base);
    EXPECT_EQ(parse_ok("2026-11-26t04:00:00z"), base);
    EXPECT_EQ(parse_ok("2026-11-26T05:30:00+01:30"), base);
    EXPECT_EQ(parse_ok("2026-11-26T01:00:00-03:00"), base);
    EXPECT_EQ(parse_ok("2026-11-26T04:00:00.5Z"), base + 500);
    EXPECT_EQ(parse_ok("2026-11-26T04:00:00.123456789Z"), base + 123);
    EXPECT_EQ(parse_ok("2000-01-01T00:00:00Z"), k_min_event_time);
    EXPECT_EQ(parse_ok("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(Rfc3339, RejectsMalformed) {
    millis t = 0;
    for (std::string_view s :
         {"", "2026-11-26", "2026-11-26T04:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
          "2026-11-26T24:00:00Z", "2026-11-26T04:60:00Z", "2026-11-26T04:00:00.Z",
          "2026-11-26T04:00:00+0100", "2026-11-26T04:00:00Zjunk", "20261126T040000Z",
          "2026-11-26T04:00:00+24:00", "x026-11-26T04:00:00Z"}) {
        EXPECT_EQ(parse_rfc3339(s, t), time_errc::invalid) << s;
    }
}

TEST(Rfc3339, FormatRoundTripsRandomTimes) {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 10000; ++i) {
        const millis t = k_min_event_time +
                         static_cast<millis>(rng() % static_cast<std::uint64_t>(k_max_event_time -
                                                                                k_min_event_time));
        const std::string s = format_rfc3339(t, true);
        EXPECT_EQ(parse_ok(s), t) << s;
    }
    EXPECT_EQ(format_rfc3339(1795665600000), "2026-11-26T04:00:00Z");
}

TEST(Duration, ParsesContractUnits) {
    EXPECT_EQ(parse_duration("60s"), 60'000);
    EXPECT_EQ(parse_duration("10m"), 600'000);
    EXPECT_EQ(parse_duration("2h"), 7'200'000);
    EXPECT_EQ(parse_duration("250ms"), 250);
    EXPECT_EQ(parse_duration("0"), 0);
    EXPECT_FALSE(parse_duration("10"));
    EXPECT_FALSE(parse_duration("-5s"));
    EXPECT_FALSE(parse_duration("5 s"));
    EXPECT_FALSE(parse_duration("5d"));
    EXPECT_EQ(format_duration(60'000), "1m");
    EXPECT_EQ(format_duration(90'000), "90s");
    EXPECT_EQ(format_duration(0), "0s");
}

TEST(JsonWriter, WritesNestedStructures) {
    std::string out;
    json_writer w(out);
    w.begin_object();
    w.key("a").value(1);
    w.key("b").begin_array().value("x").value(2.5).null().end_array();
    w.key("c").begin_object().end_object();
    w.key("d").value(true);
    w.end_object();
    EXPECT_EQ(out, R"({"a":1,"b":["x",2.5,null],"c":{},"d":true})");
}

TEST(JsonWriter, EscapesAndRepairsUtf8) {
    std::string out;
    json_writer::escape(out, "q\"b\\n\n\t\x01 é \xff\xc3");
    EXPECT_EQ(out, "q\\\"b\\\\n\\n\\t\\u0001 é \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonWriter, RoundsDoubles) {
    std::string out;
    json_writer w(out);
    w.begin_array().value(0.1 + 0.2, 3).value(-0.0001, 2).value(10.0).end_array();
    EXPECT_EQ(out, "[0.3,0,10]");
}

TEST(Utf8Prefix, NeverSplitsASequence) {
    const std::string s = "aé€😀";
    for (std::size_t n = 0; n <= s.size(); ++n) {
        const auto p = utf8_prefix(s, n);
        EXPECT_LE(p.size(), n);
        std::string esc;
        json_writer::escape(esc, p);
        EXPECT_EQ(esc.find("\xEF\xBF\xBD"), std::string::npos) << n;
    }
}

TEST(Hash64, StableAndSpread) {
    EXPECT_EQ(hash64("acme"), hash64("acme"));
    EXPECT_NE(hash64("acme"), hash64("acmf"));
    EXPECT_NE(hash64(""), hash64(std::string_view("\0", 1)));
    // Every length 0..40 hashes differently for a prefix family.
    const std::string s(40, 'x');
    std::vector<std::uint64_t> seen;
    for (std::size_t n = 0; n <= s.size(); ++n) {
        seen.push_back(hash64(std::string_view(s).substr(0, n)));
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
}

/// hash64 as first written: the tail copied into a zeroed word. Sketches, ids and golden
/// files depend on the values, so the load-based tail must give exactly these.
std::uint64_t reference_hash64(std::string_view s, std::uint64_t seed) {
    constexpr std::uint64_t k1 = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t k2 = 0xe7037ed1a0b428dbULL;
    auto mix = [](std::uint64_t a, std::uint64_t b) {
        const __uint128_t r = static_cast<__uint128_t>(a) * b;
        return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
    };
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = seed ^ (n * k1);
    for (; n >= 16; p += 16, n -= 16) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, p, 8);
        std::memcpy(&y, p + 8, 8);
        h = mix(x ^ k1, y ^ h);
    }
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, p, n < 8 ? n : 8);
    if (n > 8) {
        std::memcpy(&b, p + 8, n - 8);
    }
    return mix(mix(a ^ k1, b ^ h) ^ k2, h ^ n);
}

TEST(Hash64, EqualsTheReferenceForEveryLengthAndOffset) {
    std::mt19937_64 rng(20261126);
    // Every length 0..200 at every offset in a buffer of random bytes (0x00 and 0xFF too).
    std::string buf(256, '\0');
    for (int round = 0; round < 20; ++round) {
        for (char& c : buf) {
            c = static_cast<char>(rng());
        }
        for (std::size_t len = 0; len <= 200; ++len) {
            for (std::size_t off = 0; off < 8; ++off) {
                const std::string_view s(buf.data() + off, len);
                ASSERT_EQ(hash64(s), reference_hash64(s, 0x9E3779B97F4A7C15ULL)) << "len " << len;
                const std::uint64_t seed = rng();
                ASSERT_EQ(hash64(s, seed), reference_hash64(s, seed)) << "len " << len;
            }
        }
    }
}

TEST(Hash64, ReadsNothingPastTheEnd) {
    // Strings that end where their exactly sized heap buffer ends: ASan reports any overread.
    for (std::size_t len = 0; len <= 40; ++len) {
        auto owned = std::make_unique<char[]>(len == 0 ? 1 : len);
        for (std::size_t i = 0; i < len; ++i) {
            owned[i] = static_cast<char>('a' + i % 26);
        }
        const std::string_view s(owned.get(), len);
        ASSERT_EQ(hash64(s), reference_hash64(s, 0x9E3779B97F4A7C15ULL)) << "len " << len;
    }
}

} // namespace
} // namespace pulso

namespace pulso {
namespace {
TEST(JsonWriter, WritesLargeRoundNumbersWithoutExponent) {
    std::string out;
    json_writer w(out);
    w.begin_array().value(100000.0).value(2.5e9).value(1234567.891, 2).end_array();
    EXPECT_EQ(out, "[100000,2500000000,1234567.89]");
}
} // namespace
} // namespace pulso
