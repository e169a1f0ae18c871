// Tests aimed at the parser's fast paths (raw strings, word-at-a-time keys, short counts,
// the usual RFC 3339 shapes, platform words): each must agree with the general path it
// shortcuts, on inputs chosen around its edges.
#include "parse_test_support.h"
#include "pulso/core/time.h"
#include "pulso/parse/mention_parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {
namespace {

using test::owned_mention;

struct result {
    parse_status status;
    owned_mention m;
};

/// Parses `json` unpadded and padded (hostile padding), checks they agree, returns the result.
result parse_both(mention_parser& p, std::string_view json) {
    mention m;
    result a{p.parse(json, m, false), {}};
    a.m = test::to_owned(m);
    std::string padded(json);
    padded.append(64, '\\'); // a backslash right after the record must not be seen
    const parse_status b = p.parse(std::string_view(padded.data(), json.size()), m, true);
    EXPECT_EQ(to_string(a.status.reason), to_string(b.reason)) << json;
    EXPECT_EQ(a.status.field, b.field) << json;
    EXPECT_EQ(test::describe_diff(a.m, test::to_owned(m)), "") << json;
    return a;
}

/// Checks the parser against the DOM-based reference parser on `json`.
void expect_like_reference(mention_parser& p, test::reference_parser& ref, std::string_view json) {
    const result r = parse_both(p, json);
    owned_mention rm;
    bool unsure = false;
    const parse_status rs = ref.parse(json, rm, unsure);
    if (unsure) {
        return;
    }
    EXPECT_EQ(to_string(r.status.reason), to_string(rs.reason)) << json;
    EXPECT_EQ(r.status.field, rs.field) << json;
    EXPECT_EQ(test::describe_diff(r.m, rm), "") << json;
}

std::string record(std::string_view created_at, std::string_view text = "\"hola\"",
                   std::string_view author = R"({"id":"a1"})",
                   std::string_view platform = "\"twitter\"") {
    std::string s = R"({"id":"m1","platform":)";
    s += platform;
    s += R"(,"created_at":)";
    s += created_at;
    s += R"(,"text":)";
    s += text;
    s += R"(,"author":)";
    s += author;
    s += '}';
    return s;
}

std::string two_digits(unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "%02u", v % 100);
    return b;
}

/// A timestamp near the usual shape: random fields (some out of their ranges), a fraction of
/// 0–9 digits, `Z`/`z`/offset, `T`/`t`/space, and now and then one byte replaced.
std::string random_timestamp(std::mt19937_64& rng) {
    const auto pick = [&rng](unsigned lo, unsigned hi) {
        return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
    };
    const unsigned year = pick(0, 9) == 0 ? pick(0, 9999) : pick(1996, 2104);
    std::string s = std::to_string(year);
    while (s.size() < 4) {
        s.insert(s.begin(), '0');
    }
    s += '-' + two_digits(pick(0, 9) == 0 ? pick(0, 19) : pick(1, 12));
    s += '-' + two_digits(pick(0, 4) == 0 ? pick(0, 39) : pick(1, 31));
    const unsigned sep = pick(0, 19);
    s += sep == 0 ? 't' : sep == 1 ? ' ' : 'T';
    s += two_digits(pick(0, 9) == 0 ? pick(0, 99) : pick(0, 23));
    s += ':' + two_digits(pick(0, 9) == 0 ? pick(0, 99) : pick(0, 59));
    s += ':' + two_digits(pick(0, 9) == 0 ? pick(55, 99) : pick(0, 59));
    const unsigned frac = pick(0, 5) == 0 ? pick(0, 9) : (pick(0, 1) == 0 ? 3 : 0);
    if (frac > 0 || pick(0, 30) == 0) {
        s += '.';
        for (unsigned i = 0; i < frac; ++i) {
            s += static_cast<char>('0' + pick(0, 9));
        }
    }
    const unsigned zone = pick(0, 9);
    if (zone < 6) {
        s += 'Z';
    } else if (zone == 6) {
        s += 'z';
    } else if (zone < 9) {
        s += zone == 7 ? '+' : '-';
        s += two_digits(pick(0, 9) == 0 ? pick(0, 99) : pick(0, 14));
        s += ':' + two_digits(pick(0, 9) == 0 ? pick(0, 99) : pick(0, 59));
    } // else no zone at all
    if (pick(0, 7) == 0) {
        static constexpr std::string_view k_bytes = "0123456789-:.TZtz+ /a";
        s[pick(0, static_cast<unsigned>(s.size() - 1))] = k_bytes[pick(0, k_bytes.size() - 1)];
    }
    if (pick(0, 30) == 0) {
        s.pop_back();
    }
    return s;
}

TEST(MentionParserFastPaths, TimestampsAgreeWithGeneralRfc3339Parser) {
    std::mt19937_64 rng(7);
    mention_parser p;
    int fast_shape = 0;
    for (int i = 0; i < 40000; ++i) {
        const std::string ts = random_timestamp(rng);
        const std::string json = record('"' + ts + '"');
        const result r = parse_both(p, json);
        millis want = 0;
        const time_errc e = parse_rfc3339(ts, want);
        if (e == time_errc::invalid) {
            EXPECT_EQ(to_string(r.status.reason), "invalid_timestamp") << ts;
        } else if (want < k_min_event_time || want >= k_max_event_time) {
            EXPECT_EQ(to_string(r.status.reason), "out_of_range") << ts;
        } else {
            ASSERT_TRUE(r.status.ok()) << ts << " " << to_string(r.status.reason);
            EXPECT_EQ(r.m.created_at, want) << ts;
            fast_shape += ts.size() == 24 && ts[10] == 'T' && ts.back() == 'Z' ? 1 : 0;
        }
    }
    EXPECT_GT(fast_shape, 1000); // the usual shape was exercised, not only the fallback
}

TEST(MentionParserFastPaths, TimestampEdgesOfTheUsualShape) {
    mention_parser p;
    const auto ms_of = [&p](std::string_view ts) -> millis {
        const result r = parse_both(p, record('"' + std::string(ts) + '"'));
        EXPECT_TRUE(r.status.ok()) << ts << " " << to_string(r.status.reason);
        return r.m.created_at;
    };
    EXPECT_EQ(ms_of("2024-02-29T23:59:59.999Z"), 1709251199999);
    EXPECT_EQ(ms_of("2026-12-31T23:59:60Z"), 1798761600000); // leap second: next second
    EXPECT_EQ(ms_of("2026-11-26T04:00:00.1Z"), 1795665600100);
    EXPECT_EQ(ms_of("2026-11-26T04:00:00.123456789Z"), 1795665600123);
    EXPECT_EQ(ms_of("2026-11-26T05:30:00.500+01:30"), 1795665600500);
    EXPECT_EQ(ms_of("2026-11-25T23:00:00-05:00"), 1795665600000);
    for (const std::string_view bad :
         {"2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
          "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
          "2026-01-01T00:60:00Z", "2026-01-01T00:00:61Z", "2026-01-01T00:00:00.Z",
          "2026-01-01T00:00:00", "2026-01-01T00:00:00+01", "2026-01-01T00:00:00+24:00",
          "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00ZZ", "2026-1-01T00:00:00Z",
          "2026-01-01T00:00:0aZ", "2026/01/01T00:00:00Z", "2026-01-01X00:00:00Z"}) {
        const result r = parse_both(p, record('"' + std::string(bad) + '"'));
        EXPECT_EQ(to_string(r.status.reason), "invalid_timestamp") << bad;
        EXPECT_EQ(r.status.field, "created_at") << bad;
    }
}

TEST(MentionParserFastPaths, CountsAgreeWithReference) {
    std::mt19937_64 rng(11);
    mention_parser p;
    test::reference_parser ref;
    static constexpr std::string_view k_fixed[] = {"0",
                                                   "-0",
                                                   "00",
                                                   "01",
                                                   "7",
                                                   "1234567",
                                                   "12345678",
                                                   "99999999",
                                                   "100000000",
                                                   "-1",
                                                   "1.0",
                                                   "1e3",
                                                   "1E3",
                                                   "10.",
                                                   "0.5",
                                                   "1234567 ",
                                                   "12\n",
                                                   "3\t ",
                                                   "-",
                                                   "+1",
                                                   "0x10",
                                                   "true",
                                                   "null",
                                                   "\"5\"",
                                                   "[1]",
                                                   "{}",
                                                   "1234567a",
                                                   "12 3",
                                                   "18446744073709551615",
                                                   "18446744073709551616",
                                                   "-9223372036854775808"};
    std::vector<std::string> tokens(std::begin(k_fixed), std::end(k_fixed));
    for (int i = 0; i < 3000; ++i) {
        std::string t;
        const int digits = std::uniform_int_distribution<int>(1, 21)(rng);
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
            t += '-';
        }
        for (int d = 0; d < digits; ++d) {
            t += static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(rng));
        }
        switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
        case 0:
            t += ' ';
            break;
        case 1:
            t += ".5";
            break;
        case 2:
            t += "e2";
            break;
        default:
            break;
        }
        tokens.push_back(t);
    }
    for (const std::string& t : tokens) {
        // The middle and last value of a nested object, first in another, and at the root.
        std::string engagement = R"({"id":"m1","platform":"x","created_at":1795665600000,)"
                                 R"("text":"","author":{"id":"a"},"engagement":{"likes":)" +
                                 t + R"(,"views":)" + t + "}}";
        expect_like_reference(p, ref, engagement);
        expect_like_reference(
            p, ref, record("1795665600000", "\"x\"", R"({"followers":)" + t + R"(,"id":"a1"})"));
        expect_like_reference(p, ref, record(t));
    }
}

TEST(MentionParserFastPaths, CountTokensAtTheEdgesOfTheShortPath) {
    // Explicit answers where the reference cannot give one (the DOM says NUMBER_ERROR both for
    // malformed numbers and for valid ones it cannot hold).
    mention_parser p;
    const auto likes = [&p](std::string_view tok, bool last) {
        std::string json = R"({"id":"m1","platform":"x","created_at":1795665600000,"text":"",)"
                           R"("author":{"id":"a"},"engagement":{"likes":)";
        json += tok;
        json += last ? "}}" : R"(,"views":1}})";
        return parse_both(p, json);
    };
    for (const bool last : {false, true}) {
        for (const std::string_view bad : {"00", "01", "007", "-01", "1.", "-", "+1", "0x10",
                                           "1234567a", "12 3", "1e", ".5", "--1"}) {
            const result r = likes(bad, last);
            EXPECT_EQ(to_string(r.status.reason), "invalid_json") << bad;
        }
        for (const auto& [tok, want] :
             std::vector<std::pair<std::string_view, std::uint64_t>>{{"0", 0},
                                                                     {"-0", 0},
                                                                     {"7", 7},
                                                                     {"1234567", 1234567},
                                                                     {"1234567 \n\t", 1234567},
                                                                     {"12345678", 12345678},
                                                                     {"99999999", 99999999},
                                                                     {"100000000", 100000000}}) {
            const result r = likes(tok, last);
            ASSERT_TRUE(r.status.ok()) << tok << " " << to_string(r.status.reason);
            EXPECT_EQ(r.m.likes, want) << tok;
        }
        for (const auto& [tok, reason] : std::vector<std::pair<std::string_view, std::string_view>>{
                 {"1.0", "wrong_type"},
                 {"1e3", "wrong_type"},
                 {"-1", "out_of_range"},
                 {"18446744073709551616", "out_of_range"}}) {
            const result r = likes(tok, last);
            EXPECT_EQ(to_string(r.status.reason), reason) << tok;
            EXPECT_EQ(r.status.field, "engagement.likes") << tok;
        }
    }
}

TEST(MentionParserFastPaths, StringsWithEscapesAtEveryPosition) {
    mention_parser p;
    test::reference_parser ref;
    for (const std::string_view esc : {"\\\"", "\\\\", "\\n", "\\u00e9", "\\/"}) {
        for (std::size_t len = 0; len <= 40; ++len) {
            for (std::size_t at = 0; at <= len; ++at) {
                std::string body(len, 'a');
                body.insert(at, esc);
                expect_like_reference(p, ref, record("1795665600000", '"' + body + '"'));
            }
        }
    }
    // Plain strings of every length around the 16-byte blocks, white space before the comma,
    // and invalid escapes (invalid JSON, not wrong_type).
    for (std::size_t len = 0; len <= 70; ++len) {
        const std::string body(len, 'b');
        const result r = parse_both(
            p, record("1795665600000", '"' + body + "\" \n\t ", R"({ "id" : ")" + body + "\" }"));
        ASSERT_TRUE(r.status.ok()) << len;
        EXPECT_EQ(r.m.text, body);
        EXPECT_EQ(r.m.author_id, body.empty() ? "" : body);
    }
    for (const std::string_view bad : {"\"a\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"a\\\""}) {
        const result r = parse_both(p, record("1795665600000", bad));
        EXPECT_EQ(to_string(r.status.reason), "invalid_json") << bad;
    }
}

TEST(MentionParserFastPaths, UnescapedStringsBorrowFromPaddedRecord) {
    mention_parser p;
    std::string json = record("\"2026-11-26T04:00:00Z\"", R"("plain text")");
    const std::size_t size = json.size();
    json.append(64, ' ');
    mention m;
    ASSERT_TRUE(p.parse(std::string_view(json.data(), size), m, true).ok());
    EXPECT_EQ(m.text, "plain text");
    EXPECT_GE(m.text.data(), json.data());
    EXPECT_LE(m.text.data() + m.text.size(), json.data() + size);
    // An escaped string is unescaped into the parser's own buffer instead.
    std::string esc = record("\"2026-11-26T04:00:00Z\"", R"("a\nb")");
    const std::size_t esc_size = esc.size();
    esc.append(64, ' ');
    ASSERT_TRUE(p.parse(std::string_view(esc.data(), esc_size), m, true).ok());
    EXPECT_EQ(m.text, "a\nb");
    EXPECT_TRUE(m.text.data() < esc.data() || m.text.data() >= esc.data() + esc_size);
}

TEST(MentionParserFastPaths, PlatformWordsMatchExactly) {
    mention_parser p;
    for (std::size_t i = 0; i + 1 < k_platform_count; ++i) {
        const std::string name(k_platform_names[i]);
        std::string upper = name;
        for (char& c : upper) {
            c = static_cast<char>(c - 'a' + 'A');
        }
        std::string mixed = name;
        mixed[0] = upper[0];
        for (const std::string& v : {name, upper, mixed}) {
            const result r =
                parse_both(p, record("1795665600000", "\"t\"", R"({"id":"a"})", '"' + v + '"'));
            ASSERT_TRUE(r.status.ok()) << v;
            EXPECT_EQ(to_string(r.m.plat), name) << v;
        }
        // Near misses: longer, shorter, a NUL inside or after, a non-ASCII letter.
        for (const std::string& v : {name + "s", name.substr(0, name.size() - 1), name + "\\u0000",
                                     name.substr(0, 1) + "\\u0000" + name.substr(1),
                                     "\\u00e9" + name.substr(1), name + " "}) {
            const result r =
                parse_both(p, record("1795665600000", "\"t\"", R"({"id":"a"})", '"' + v + '"'));
            ASSERT_TRUE(r.status.ok()) << v;
            EXPECT_EQ(to_string(r.m.plat), "other") << v;
        }
    }
}

TEST(MentionParserFastPaths, KeysNeedTheirClosingQuote) {
    // Word-at-a-time key matching compares the closing quote too: prefixes and extensions of
    // known keys are unknown keys (ignored), escaped spellings of known keys are known.
    mention_parser p;
    const result r = parse_both(
        p, R"({"id":"m1","idx":"zz","platform":"x","created_at":1795665600000,"text":"t",)"
           R"("textual":5,"author":{"id":"a","ids":7,"followers":3,"followersx":"y"},)"
           R"("engagement":{"like":9,"likes":2,"likess":"q","view":1},"created":"no",)"
           R"("\u0063ountry":"MX","urlx":1,"u\u0072l":"https://e.x"})");
    ASSERT_TRUE(r.status.ok()) << to_string(r.status.reason) << " " << r.status.field;
    EXPECT_EQ(r.m.id, "m1");
    EXPECT_EQ(r.m.text, "t");
    EXPECT_EQ(r.m.followers, 3U);
    EXPECT_EQ(r.m.likes, 2U);
    EXPECT_EQ(r.m.views, 0U);
    EXPECT_EQ(r.m.country, "MX");
    EXPECT_EQ(r.m.url, "https://e.x");
}

} // namespace
} // namespace pulso
