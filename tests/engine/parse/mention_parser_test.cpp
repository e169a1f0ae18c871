#include "parse_test_support.h"
#include "pulso/parse/mention_parser.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace pulso {
namespace {

using test::owned_mention;

struct outcome {
    parse_status status;
    owned_mention m;
};

/// Parses `json` twice, unpadded and padded, checks the two agree, and returns the result.
outcome run(mention_parser& p, std::string_view json) {
    mention m;
    outcome a;
    a.status = p.parse(json, m, false);
    a.m = test::to_owned(m);

    std::string padded(json);
    padded.append(64, '\xff'); // garbage after the record must not matter
    outcome b;
    b.status = p.parse(std::string_view(padded.data(), json.size()), m, true);
    b.m = test::to_owned(m);
    EXPECT_EQ(a.status.reason, b.status.reason) << json;
    EXPECT_EQ(a.status.field, b.status.field) << json;
    EXPECT_EQ(test::describe_diff(a.m, b.m), "") << json;
    return a;
}

outcome run(std::string_view json, parse_options opts = {}) {
    mention_parser p(opts);
    return run(p, json);
}

constexpr std::string_view k_absent = "<absent>";

/// A minimal valid record with fields replaced (`k_absent` removes) or appended, in order.
std::string record_with(std::vector<std::pair<std::string_view, std::string_view>> changes = {}) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"id", "\"m1\""},
        {"platform", "\"twitter\""},
        {"created_at", "\"2026-11-26T04:00:00Z\""},
        {"text", "\"hola\""},
        {"author", "{\"id\":\"a1\"}"}};
    for (const auto& [k, v] : changes) {
        bool replaced = false;
        for (auto& f : fields) {
            if (f.first == k) {
                f.second = std::string(v);
                replaced = true;
            }
        }
        if (!replaced) {
            fields.emplace_back(k, v);
        }
    }
    std::string s = "{";
    for (const auto& [k, v] : fields) {
        if (v == k_absent) {
            continue;
        }
        if (s.size() > 1) {
            s += ',';
        }
        s += "\"" + k + "\":" + v;
    }
    return s + "}";
}

void expect_reject(std::string_view json, reject_reason r, std::string_view field,
                   parse_options opts = {}) {
    const outcome o = run(json, opts);
    EXPECT_EQ(to_string(o.status.reason), to_string(r)) << json;
    EXPECT_EQ(o.status.field, field) << json;
    EXPECT_EQ(test::describe_diff(o.m, owned_mention{}), "") << "rejected output not reset";
}

outcome expect_ok(std::string_view json, parse_options opts = {}) {
    outcome o = run(json, opts);
    EXPECT_TRUE(o.status.ok()) << json << " -> " << to_string(o.status.reason) << " "
                               << o.status.field;
    return o;
}

TEST(MentionParser, AcceptsFullRecord) {
    const auto o = expect_ok(
        R"({"id":"1234","platform":"Twitter","created_at":"2026-11-26T04:00:00.250Z",
            "text":"Mi pedido de #acme no llega","author":{"id":"u9","handle":"@ana",
            "followers":1500,"verified":true},"lang":"es-MX","engagement":{"likes":3,
            "shares":2,"comments":1,"views":400},"repost_of":"999","sentiment":-0.5,
            "country":"MX","url":"https://x.com/ana/status/1234"})");
    EXPECT_EQ(o.m.id, "1234");
    EXPECT_EQ(o.m.plat, platform::twitter);
    EXPECT_EQ(o.m.created_at, 1795665600250);
    EXPECT_EQ(o.m.text, "Mi pedido de #acme no llega");
    EXPECT_EQ(o.m.author_id, "u9");
    EXPECT_EQ(o.m.author_handle, "@ana");
    EXPECT_EQ(o.m.followers, 1500U);
    EXPECT_TRUE(o.m.verified);
    EXPECT_EQ(o.m.lang.view(), "es");
    EXPECT_EQ(o.m.likes, 3U);
    EXPECT_EQ(o.m.shares, 2U);
    EXPECT_EQ(o.m.comments, 1U);
    EXPECT_EQ(o.m.views, 400U);
    EXPECT_TRUE(o.m.has_repost_of);
    EXPECT_EQ(o.m.repost_of, "999");
    EXPECT_TRUE(o.m.has_sentiment);
    EXPECT_EQ(o.m.sentiment, -0.5F);
    EXPECT_EQ(o.m.country, "MX");
    EXPECT_EQ(o.m.url, "https://x.com/ana/status/1234");
}

TEST(MentionParser, MinimalRecordHasDefaults) {
    const auto o = expect_ok(record_with());
    EXPECT_EQ(o.m.lang.view(), "und");
    EXPECT_EQ(o.m.followers, 0U);
    EXPECT_EQ(o.m.likes + o.m.shares + o.m.comments + o.m.views, 0U);
    EXPECT_FALSE(o.m.verified);
    EXPECT_FALSE(o.m.has_sentiment);
    EXPECT_FALSE(o.m.has_repost_of);
    EXPECT_TRUE(o.m.author_handle.empty());
    EXPECT_TRUE(o.m.country.empty());
    EXPECT_TRUE(o.m.url.empty());
}

TEST(MentionParser, RejectsTooLargeBeforeParsing) {
    parse_options opts;
    opts.max_record_bytes = 100;
    // Garbage: it is never looked at, size alone decides.
    expect_reject(std::string(101, '{'), reject_reason::too_large, "", opts);
    std::string big = record_with({{"pad", "\"" + std::string(200, 'x') + "\""}});
    expect_reject(big, reject_reason::too_large, "", opts);
    // Exactly at the limit is fine.
    std::string exact = record_with();
    opts.max_record_bytes = exact.size();
    expect_ok(exact, opts);
}

TEST(MentionParser, RejectsInvalidJson) {
    const std::vector<std::string> cases = {
        "",
        "   ",
        "{",
        R"({"id":"m1")",
        record_with().substr(0, 30),
        record_with() + " x",
        record_with() + "}",
        record_with() + record_with(),
        record_with() + ",",
        R"({"id":"m1",})",
        R"({"id" "m1"})",
        R"({"id":"m1" "text":"a"})",
        R"({id:"m1"})",
        R"({'id':'m1'})",
        record_with({{"text", "\"bad \\x escape\""}}),
        record_with({{"text", "\"lone \\ud800 surrogate\""}}),
        record_with({{"text", "\"raw \n newline\""}}),
        record_with({{"text", "\"\xff\xfe invalid utf8\""}}),
        record_with({{"text", "\"\xc3\""}}),
        record_with({{"extra", "tru"}}),
        record_with({{"extra", "nul"}}),
        record_with({{"extra", "[1,2"}}),
        record_with({{"extra", "[1,]"}}),
        record_with({{"extra", "01"}}),
        record_with({{"extra", "1."}}),
        record_with({{"extra", "-"}}),
        record_with({{"extra", ".5"}}),
        record_with({{"extra", "+1"}}),
        record_with({{"extra", "NaN"}}),
        record_with({{"extra", "{\"a\" 1}"}}),
        record_with({{"extra", "{\"\\q\":1}"}}),
        record_with({{"engagement", "{\"likes\":1.}"}}),
        record_with({{"engagement", "{\"likes\":tru}"}}),
        record_with({{"engagement", "{\"likes\":-}"}}),
        record_with({{"sentiment", "1.e5"}}),
        record_with({{"created_at", "12x"}}),
        record_with({{"author", "{\"id\":\"a\",}"}}),
        // Invalid JSON after a schema error still wins: the record is not JSON.
        record_with({{"id", "5"}, {"extra", "[1,"}}),
        R"({"id":5, "x": })",
        "[1,2",
        "[1,2] 3",
        "\"abc\" x",
        "123 4",
        "truefalse",
    };
    for (const auto& c : cases) {
        expect_reject(c, reject_reason::invalid_json, "");
    }
}

// Found by parse_fuzz_smoke: simdjson skips an untouched string followed by ':' as if it were
// a key, so a value must never be left unconsumed when it is a string.
TEST(MentionParser, RejectsStringValueFollowedByColon) {
    expect_reject(R"({"id":"1","platform":"twit":18446744073709551616},"sentiment":1e400})",
                  reject_reason::invalid_json, "");
    expect_reject(record_with({{"country", R"("MX":"x")"}}), reject_reason::invalid_json, "");
    expect_reject(record_with({{"extra", R"("a":1)"}}), reject_reason::invalid_json, "");
    expect_reject(record_with({{"author", R"({"id":"a":"b"})"}}), reject_reason::invalid_json, "");
}

TEST(MentionParser, RejectsNonObjects) {
    for (const std::string_view c : {"[]", "[1,{\"a\":[true,null]}]", "\"abc\"", "123", "-1.5e3",
                                     "true", "false", "null", " [1] ", "\"\\u00e9\"\n"}) {
        expect_reject(c, reject_reason::not_an_object, "");
    }
}

// RFC 8259 section 8.1: a parser may ignore a UTF-8 byte-order mark. Windows tools write one at
// the start of a file, so without this the first line of such a file would be lost.
TEST(MentionParser, IgnoresALeadingByteOrderMark) {
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    const std::string plain = record_with({{"text", "\"caf\\u00e9 \xF0\x9F\x98\x80\""}});
    const outcome want = expect_ok(plain);
    const outcome got = expect_ok(std::string(bom) + plain);
    EXPECT_EQ(test::describe_diff(got.m, want.m), "");
    EXPECT_EQ(got.m.text, "caf\u00e9 \xF0\x9F\x98\x80");

    // Only one, only first: anything else is as before.
    expect_reject(bom, reject_reason::invalid_json, "");
    expect_reject(std::string(bom) + "   ", reject_reason::invalid_json, "");
    expect_reject(std::string(bom) + std::string(bom) + plain, reject_reason::invalid_json, "");
    expect_reject(" " + std::string(bom) + plain, reject_reason::invalid_json, "");
    expect_reject("\xEF\xBB" + plain, reject_reason::invalid_json, "");
    expect_reject(std::string(bom) + "[1]", reject_reason::not_an_object, "");
    expect_reject(std::string(bom) + record_with({{"id", "5"}}), reject_reason::wrong_type, "id");

    // The limit counts the record as received, mark included.
    parse_options opts;
    opts.max_record_bytes = plain.size() + 2;
    expect_ok(plain, opts);
    expect_reject(std::string(bom) + plain, reject_reason::too_large, "", opts);
}

TEST(MentionParser, RejectsMissingRequiredFields) {
    expect_reject(record_with({{"id", k_absent}}), reject_reason::missing_field, "id");
    expect_reject(record_with({{"platform", k_absent}}), reject_reason::missing_field, "platform");
    expect_reject(record_with({{"created_at", k_absent}}), reject_reason::missing_field,
                  "created_at");
    expect_reject(record_with({{"text", k_absent}}), reject_reason::missing_field, "text");
    expect_reject(record_with({{"author", k_absent}}), reject_reason::missing_field, "author.id");
    expect_reject(record_with({{"author", "{}"}}), reject_reason::missing_field, "author.id");
    expect_reject(record_with({{"author", R"({"handle":"@x","ID":"a"})"}}),
                  reject_reason::missing_field, "author.id");
    // Several missing: the contract's order decides which is named.
    expect_reject("{}", reject_reason::missing_field, "id");
    expect_reject(record_with({{"text", k_absent}, {"author", k_absent}}),
                  reject_reason::missing_field, "text");
}

TEST(MentionParser, RejectsWrongTypes) {
    const std::vector<
        std::pair<std::vector<std::pair<std::string_view, std::string_view>>, std::string_view>>
        cases = {
            {{{"id", "5"}}, "id"},
            {{{"id", "[\"m1\"]"}}, "id"},
            {{{"platform", "1"}}, "platform"},
            {{{"created_at", "true"}}, "created_at"},
            {{{"created_at", "1.7e12"}}, "created_at"},
            {{{"created_at", "1795665600000.0"}}, "created_at"},
            {{{"created_at", "{}"}}, "created_at"},
            {{{"text", "{\"a\":1}"}}, "text"},
            {{{"author", "\"a1\""}}, "author"},
            {{{"author", "[]"}}, "author"},
            {{{"author", R"({"id":7})"}}, "author.id"},
            {{{"author", R"({"id":"a","handle":1})"}}, "author.handle"},
            {{{"author", R"({"id":"a","followers":"10"})"}}, "author.followers"},
            {{{"author", R"({"id":"a","followers":1.5})"}}, "author.followers"},
            {{{"author", R"({"id":"a","followers":1e3})"}}, "author.followers"},
            {{{"author", R"({"id":"a","verified":"true"})"}}, "author.verified"},
            {{{"author", R"({"id":"a","verified":1})"}}, "author.verified"},
            {{{"lang", "[]"}}, "lang"},
            {{{"engagement", "5"}}, "engagement"},
            {{{"engagement", "[]"}}, "engagement"},
            {{{"engagement", R"({"likes":"3"})"}}, "engagement.likes"},
            {{{"engagement", R"({"shares":1.5})"}}, "engagement.shares"},
            {{{"engagement", R"({"comments":true})"}}, "engagement.comments"},
            {{{"engagement", R"({"views":[1]})"}}, "engagement.views"},
            {{{"repost_of", "123"}}, "repost_of"},
            {{{"sentiment", "\"0.5\""}}, "sentiment"},
            {{{"sentiment", "true"}}, "sentiment"},
            {{{"country", "1"}}, "country"},
            {{{"url", "{}"}}, "url"},
        };
    for (const auto& [changes, field] : cases) {
        expect_reject(record_with(changes), reject_reason::wrong_type, field);
    }
}

TEST(MentionParser, NullMeansAbsentForOptionalFields) {
    const auto o = expect_ok(
        record_with({{"author", R"({"id":"a","handle":null,"followers":null,"verified":null})"},
                     {"lang", "null"},
                     {"engagement", "null"},
                     {"repost_of", "null"},
                     {"sentiment", "null"},
                     {"country", "null"},
                     {"url", "null"}}));
    EXPECT_EQ(test::describe_diff(o.m,
                                  [] {
                                      owned_mention e;
                                      e.id = "m1";
                                      e.plat = platform::twitter;
                                      e.created_at = 1795665600000;
                                      e.text = "hola";
                                      e.author_id = "a";
                                      return e;
                                  }()),
              "");
    expect_ok(record_with({{"engagement", R"({"likes":null,"views":null})"}}));
}

TEST(MentionParser, NullForRequiredFieldIsWrongType) {
    for (const std::string_view f : {"id", "platform", "created_at", "text", "author"}) {
        expect_reject(record_with({{f, "null"}}), reject_reason::wrong_type, f);
    }
    expect_reject(record_with({{"author", R"({"id":null})"}}), reject_reason::wrong_type,
                  "author.id");
}

TEST(MentionParser, RejectsOutOfRange) {
    expect_reject(record_with({{"id", "\"\""}}), reject_reason::out_of_range, "id");
    const std::string id256 = "\"" + std::string(256, 'i') + "\"";
    const std::string id257 = "\"" + std::string(257, 'i') + "\"";
    expect_ok(record_with({{"id", id256}}));
    expect_reject(record_with({{"id", id257}}), reject_reason::out_of_range, "id");
    // The limit is on the unescaped bytes: 128 x "\u00e9" is 256 bytes, 129 is 258.
    std::string esc = "\"";
    for (int i = 0; i < 128; ++i) {
        esc += "\\u00e9";
    }
    expect_ok(record_with({{"id", esc + "\""}}));
    expect_reject(record_with({{"id", esc + "\\u00e9\""}}), reject_reason::out_of_range, "id");

    parse_options opts;
    opts.max_text_bytes = 10;
    expect_ok(record_with({{"text", "\"0123456789\""}}), opts);
    expect_reject(record_with({{"text", "\"0123456789A\""}}), reject_reason::out_of_range, "text",
                  opts);
    expect_ok(record_with({{"text", "\"\""}}), opts);

    for (const std::string_view v :
         {"-1", "-9223372036854775809", "18446744073709551616", "99999999999999999999999999"}) {
        const std::string a = std::string(R"({"id":"a","followers":)") + std::string(v) + "}";
        expect_reject(record_with({{"author", a}}), reject_reason::out_of_range,
                      "author.followers");
        const std::string e = std::string(R"({"views":)") + std::string(v) + "}";
        expect_reject(record_with({{"engagement", e}}), reject_reason::out_of_range,
                      "engagement.views");
    }
    const auto max =
        expect_ok(record_with({{"engagement", R"({"likes":18446744073709551615,"shares":-0})"}}));
    EXPECT_EQ(max.m.likes, UINT64_MAX);
    EXPECT_EQ(max.m.shares, 0U);

    for (const std::string_view v : {"1.0000001", "-1.5", "2", "-2", "1e400", "-1e400"}) {
        expect_reject(record_with({{"sentiment", v}}), reject_reason::out_of_range, "sentiment");
    }
    for (const auto& [v, want] : std::vector<std::pair<std::string_view, float>>{
             {"1", 1.0F},
             {"-1", -1.0F},
             {"0", 0.0F},
             {"1.0", 1.0F},
             {"-1e0", -1.0F},
             {"0.25", 0.25F},
             {"1e-400", 0.0F},
             {"-0", 0.0F},
             // Found by parse_fuzz_smoke: more than 19 digits (simdjson 3.0.1 misreads these).
             {"-0.518446744073709551616", -0.518446744073709551616F},
             {"0.1844674407370955161600001", 0.1844674407370955161600001F},
             {"-0.000000000000000000001e-400", 0.0F}}) {
        const auto o = expect_ok(record_with({{"sentiment", v}}));
        EXPECT_TRUE(o.m.has_sentiment) << v;
        EXPECT_EQ(o.m.sentiment, want) << v;
    }
}

TEST(MentionParser, ParsesTimestampForms) {
    struct tc {
        std::string_view value;
        millis want;
    };
    const std::vector<tc> cases = {
        {"\"2026-11-26T04:00:00Z\"", 1795665600000},
        {"\"2026-11-26T04:00:00z\"", 1795665600000},
        {"\"2026-11-26t04:00:00Z\"", 1795665600000},
        {"\"2026-11-26 04:00:00Z\"", 1795665600000},
        {"\"2026-11-26T09:30:00+05:30\"", 1795665600000},
        {"\"2026-11-26T01:00:00-03:00\"", 1795665600000},
        {"\"2026-11-26T04:00:00.5Z\"", 1795665600500},
        {"\"2026-11-26T04:00:00.123456789Z\"", 1795665600123},
        {"\"2026-11-26T04:00:00.999999999-03:00\"", 1795676400999},
        {"\"2026-11-26T04:00:00.000+00:00\"", 1795665600000},
        {"\"2024-02-29T00:00:00Z\"", 1709164800000},
        {"1795665600000", 1795665600000},
        {"1795665600123", 1795665600123},
    };
    for (const auto& c : cases) {
        const auto o = expect_ok(record_with({{"created_at", c.value}}));
        EXPECT_EQ(o.m.created_at, c.want) << c.value;
    }
    for (const std::string_view bad :
         {"\"2026-11-26T04:00:00\"", "\"2026-11-26\"", "\"2026-02-30T00:00:00Z\"",
          "\"2025-02-29T00:00:00Z\"", "\"2026-13-01T00:00:00Z\"", "\"2026-11-26T24:00:00Z\"",
          "\"2026-11-26T04:00:00.Z\"", "\"2026-11-26T04:00:00+0530\"", "\"yesterday\"", "\"\"",
          "\"2026-11-26T04:00:00Z \"", "\"1795665600000\""}) {
        expect_reject(record_with({{"created_at", bad}}), reject_reason::invalid_timestamp,
                      "created_at");
    }
}

TEST(MentionParser, EnforcesEventTimeBounds) {
    expect_reject(record_with({{"created_at", "\"1999-12-31T23:59:59Z\""}}),
                  reject_reason::out_of_range, "created_at");
    expect_reject(record_with({{"created_at", "\"1999-12-31T23:59:59.999Z\""}}),
                  reject_reason::out_of_range, "created_at");
    EXPECT_EQ(expect_ok(record_with({{"created_at", "\"2000-01-01T00:00:00Z\""}})).m.created_at,
              k_min_event_time);
    EXPECT_EQ(expect_ok(record_with({{"created_at", "\"2099-12-31T23:59:59.999Z\""}})).m.created_at,
              k_max_event_time - 1);
    expect_reject(record_with({{"created_at", "\"2100-01-01T00:00:00Z\""}}),
                  reject_reason::out_of_range, "created_at");
    // An offset can move a wall-clock time across the bound.
    expect_reject(record_with({{"created_at", "\"2000-01-01T00:30:00+01:00\""}}),
                  reject_reason::out_of_range, "created_at");
    expect_ok(record_with({{"created_at", "\"1999-12-31T23:30:00-01:00\""}}));
    // Epoch milliseconds.
    expect_reject(record_with({{"created_at", "946684799999"}}), reject_reason::out_of_range,
                  "created_at");
    expect_ok(record_with({{"created_at", "946684800000"}}));
    expect_ok(record_with({{"created_at", "4102444799999"}}));
    for (const std::string_view v :
         {"4102444800000", "0", "-0", "-1", "1795665600", "9223372036854775807",
          "9223372036854775808", "-9223372036854775809", "100000000000000000000000"}) {
        expect_reject(record_with({{"created_at", v}}), reject_reason::out_of_range, "created_at");
    }
}

TEST(MentionParser, UnescapesText) {
    struct tc {
        std::string_view json;
        std::string_view want;
    };
    const std::vector<tc> cases = {
        {R"("l\u00ednea 1\nl\u00ednea 2")", "l\u00ednea 1\nl\u00ednea 2"},
        {R"("caf\u00e9 \"ok\" \\ \/ \t\r\b\f")", "caf\u00e9 \"ok\" \\ / \t\r\b\f"},
        {R"("emoji \ud83d\ude00!")", "emoji \U0001F600!"},
        {R"("\uD83D\uDE00")", "\U0001F600"},
        {"\"raw caf\u00e9 \U0001F600\"", "raw caf\u00e9 \U0001F600"},
        {R"("nul \u0000 inside")", std::string_view("nul \0 inside", 12)},
        {R"("")", ""},
    };
    for (const auto& c : cases) {
        const auto o = expect_ok(record_with({{"text", c.json}}));
        EXPECT_EQ(o.m.text, c.want) << c.json;
    }
}

TEST(MentionParser, IgnoresUnknownFieldsAtAnyLevel) {
    const auto o = expect_ok(record_with(
        {{"hashtags", R"(["#acme", "#fail"])"},
         {"meta", R"({"deep":{"deeper":[1,2.5,-3e2,{"id":"not me"}],"t":true,"n":null}})"},
         {"author", R"({"name":"Ana","id":"a1","location":{"city":"CDMX"}})"},
         {"engagement", R"({"quotes":9,"likes":4,"bookmarks":{"x":[]}})"},
         {"ID", "\"upper case is another key\""},
         {"text ", "\"trailing space too\""}}));
    EXPECT_EQ(o.m.id, "m1");
    EXPECT_EQ(o.m.text, "hola");
    EXPECT_EQ(o.m.author_id, "a1");
    EXPECT_EQ(o.m.likes, 4U);
}

TEST(MentionParser, EscapedKeysMatch) {
    const auto o =
        expect_ok(R"({"\u0069d":"m1","platform":"x","created_at":1795665600000,"t\u0065xt":"a",)"
                  R"("author":{"\u0069\u0064":"u"}})");
    EXPECT_EQ(o.m.id, "m1");
    EXPECT_EQ(o.m.text, "a");
    EXPECT_EQ(o.m.author_id, "u");
}

TEST(MentionParser, FirstDuplicateKeyWins) {
    const auto o = expect_ok(
        R"({"id":"m1","platform":"x","created_at":1795665600000,"text":"t","lang":"es",)"
        R"("lang":"en","author":{"id":"a1","id":"a2","followers":1,"followers":"unchecked"}})");
    EXPECT_EQ(o.m.lang.view(), "es");
    EXPECT_EQ(o.m.author_id, "a1");
    EXPECT_EQ(o.m.followers, 1U);
    const auto d = expect_ok(
        R"({"id":"first","id":"second","platform":"x","platform":7,"created_at":1795665600000,)"
        R"("text":"t","author":{"id":"a"},"author":"ignored","text":null})");
    EXPECT_EQ(d.m.id, "first");
    EXPECT_EQ(d.m.plat, platform::x);
    EXPECT_EQ(d.m.text, "t");
    // ...but a later duplicate must still be valid JSON.
    expect_reject(R"({"id":"a","id":tru,"platform":"x","created_at":1795665600000,)"
                  R"("text":"t","author":{"id":"a"}})",
                  reject_reason::invalid_json, "");
}

TEST(MentionParser, FirstSchemaErrorInDocumentOrderWins) {
    expect_reject(R"({"engagement":{"likes":-1},"id":5,"platform":"x"})",
                  reject_reason::out_of_range, "engagement.likes");
    expect_reject(R"({"id":5,"engagement":{"likes":-1},"platform":"x"})", reject_reason::wrong_type,
                  "id");
    // A field error wins over missing fields, which are checked last.
    expect_reject(R"({"sentiment":3})", reject_reason::out_of_range, "sentiment");
}

TEST(MentionParser, NormalisesLang) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"\"es\"", "es"},    {"\"ES\"", "es"},    {"\"es-MX\"", "es"},      {"\"pt_BR\"", "pt"},
        {"\"En-Us\"", "en"}, {"\"fil\"", "fil"},  {"\"zh-Hant-TW\"", "zh"}, {"\"\"", "und"},
        {"\"e\"", "und"},    {"\"engl\"", "und"}, {"\"x-klingon\"", "und"}, {"\"12\"", "und"},
        {"\"e1\"", "und"},   {"\"-es\"", "und"},  {"\"\\u00e9s\"", "und"},  {"\"und\"", "und"},
        {"null", "und"},     {"\"UND\"", "und"},
    };
    for (const auto& [in, want] : cases) {
        EXPECT_EQ(expect_ok(record_with({{"lang", in}})).m.lang.view(), want) << in;
    }
}

TEST(MentionParser, NormalisesPlatform) {
    for (std::size_t i = 0; i + 1 < k_platform_count; ++i) {
        const std::string name(k_platform_names[i]);
        EXPECT_EQ(expect_ok(record_with({{"platform", "\"" + name + "\""}})).m.plat,
                  static_cast<platform>(i));
        std::string upper = name;
        for (char& c : upper) {
            c = static_cast<char>(c - 'a' + 'A');
        }
        EXPECT_EQ(expect_ok(record_with({{"platform", "\"" + upper + "\""}})).m.plat,
                  static_cast<platform>(i));
    }
    for (const std::string_view other :
         {"\"other\"", "\"mastodon\"", "\"\"", "\" twitter\"", "\"twitterx\"", "\"Instagramm\"",
          "\"tw\\u00edtter\"", "\"t\\u0077itter\""}) {
        const platform want = other == "\"t\\u0077itter\"" ? platform::twitter : platform::other;
        EXPECT_EQ(expect_ok(record_with({{"platform", other}})).m.plat, want) << other;
    }
}

TEST(MentionParser, ReusedParserLeaksNothingBetweenRecords) {
    mention_parser p;
    const std::string full =
        record_with({{"author", R"({"id":"a","handle":"@h","followers":5,"verified":true})"},
                     {"lang", "\"pt\""},
                     {"engagement", R"({"likes":1,"shares":2,"comments":3,"views":4})"},
                     {"repost_of", "\"r\""},
                     {"sentiment", "0.75"},
                     {"country", "\"BR\""},
                     {"url", "\"u\""}});
    const std::string minimal = record_with();
    owned_mention want_minimal;
    want_minimal.id = "m1";
    want_minimal.plat = platform::twitter;
    want_minimal.created_at = 1795665600000;
    want_minimal.text = "hola";
    want_minimal.author_id = "a1";
    for (int round = 0; round < 50; ++round) {
        const auto a = run(p, full);
        ASSERT_TRUE(a.status.ok());
        EXPECT_EQ(a.m.country, "BR");
        const auto bad = run(p, record_with({{"text", "1"}}));
        EXPECT_EQ(bad.status.reason, reject_reason::wrong_type);
        const auto b = run(p, minimal);
        ASSERT_TRUE(b.status.ok());
        EXPECT_EQ(test::describe_diff(b.m, want_minimal), "") << "round " << round;
        const auto c = run(p, "[1]");
        EXPECT_EQ(c.status.reason, reject_reason::not_an_object);
    }
}

TEST(MentionParser, HandlesRecordsOfGrowingSize) {
    mention_parser p;
    for (std::size_t n : {0U, 10U, 5000U, 20000U, 70000U, 300000U, 100U}) {
        std::string text(n + 2, 'a');
        text.front() = '"';
        text.back() = '"';
        const auto o = run(p, record_with({{"text", text}}));
        if (n <= 65536) {
            ASSERT_TRUE(o.status.ok()) << n;
            EXPECT_EQ(o.m.text.size(), n);
        } else {
            EXPECT_EQ(o.status.reason, reject_reason::out_of_range);
        }
    }
}

/// Nesting: the same limit as simdjson's DOM (1024 levels, the root object counting as one).
TEST(MentionParser, NestingLimitMatchesSimdjsonDom) {
    test::reference_parser ref;
    for (const std::size_t depth : {1000U, 1022U, 1023U, 1024U, 5000U}) {
        const std::string nested = std::string(depth, '[') + std::string(depth, ']');
        const std::string rec = record_with({{"x", nested}});
        owned_mention m;
        bool unsure = false;
        const parse_status want = ref.parse(rec, m, unsure);
        const outcome got = run(rec);
        EXPECT_EQ(got.status.reason, want.reason) << depth;
        EXPECT_EQ(got.status.reason,
                  depth <= 1023 ? reject_reason::none : reject_reason::invalid_json)
            << depth;
    }
}

TEST(MentionParser, StatusFieldIsEmptyExactlyWhenNoFieldApplies) {
    for (const auto& [json, has_field] :
         std::vector<std::pair<std::string, bool>>{{"{", false},
                                                   {"[]", false},
                                                   {"{}", true},
                                                   {record_with({{"id", "1"}}), true},
                                                   {record_with(), false}}) {
        EXPECT_EQ(run(json).status.field.empty(), !has_field) << json;
    }
}

std::uint64_t test_seed() {
    const char* env = std::getenv("PULSO_TEST_SEED");
    return env != nullptr ? std::strtoull(env, nullptr, 10) : 20261126;
}

TEST(MentionParser, RandomValidRecordsRoundTrip) {
    const std::uint64_t seed = test_seed();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to change)");
    std::mt19937_64 rng(seed);
    mention_parser p;
    test::reference_parser ref;
    for (int i = 0; i < 20000; ++i) {
        const test::valid_record r = test::random_valid_record(rng);
        const outcome o = run(p, r.json);
        ASSERT_TRUE(o.status.ok()) << "record " << i << ": " << r.json << " -> "
                                   << to_string(o.status.reason) << " " << o.status.field;
        ASSERT_EQ(test::describe_diff(o.m, r.expected), "") << "record " << i << ": " << r.json;
        owned_mention rm;
        bool unsure = false;
        const parse_status rs = ref.parse(r.json, rm, unsure);
        if (unsure) {
            continue; // an unknown field holds a number the DOM cannot represent
        }
        ASSERT_TRUE(rs.ok()) << r.json;
        ASSERT_EQ(test::describe_diff(o.m, rm), "") << "reference differs: " << r.json;
    }
}

TEST(MentionParser, RandomSchemaErrorsAgreeWithReference) {
    const std::uint64_t seed = test_seed() + 1;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set PULSO_TEST_SEED to change)");
    std::mt19937_64 rng(seed);
    parse_options opts;
    opts.max_text_bytes = 64;
    opts.max_record_bytes = 2048;
    mention_parser p(opts);
    test::reference_parser ref(opts);
    std::array<int, k_reject_reason_count> seen{};
    for (int i = 0; i < 20000; ++i) {
        const std::string json = test::random_schema_record(rng);
        const outcome o = run(p, json);
        owned_mention rm;
        bool unsure = false;
        const parse_status rs = ref.parse(json, rm, unsure);
        ++seen[static_cast<std::size_t>(o.status.reason)];
        if (unsure) {
            continue;
        }
        ASSERT_EQ(to_string(o.status.reason), to_string(rs.reason))
            << "record " << i << ": " << json;
        ASSERT_EQ(o.status.field, rs.field) << "record " << i << ": " << json;
        ASSERT_EQ(test::describe_diff(o.m, rm), "") << "record " << i << ": " << json;
    }
    // The generator must actually exercise the reasons it is meant to.
    for (const reject_reason r : {reject_reason::none, reject_reason::missing_field,
                                  reject_reason::wrong_type, reject_reason::invalid_timestamp,
                                  reject_reason::out_of_range, reject_reason::too_large}) {
        EXPECT_GT(seen[static_cast<std::size_t>(r)], 50) << to_string(r);
    }
}

} // namespace
} // namespace pulso
