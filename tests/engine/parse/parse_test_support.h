#pragma once

#include "pulso/core/mention.h"
#include "pulso/parse/mention_parser.h"

#include <simdjson.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

/// Test support for the mention parser: an owning copy of a mention, a JSON writer that makes
/// random valid (and deliberately broken) records, and a plain reference parser built on
/// simdjson's DOM API. Shared by parse_test and the fuzz/replay driver.
namespace pulso::test {

/// A mention that owns its strings, so it survives the parser's next record.
struct owned_mention {
    std::string id;
    std::string text;
    std::string author_id;
    std::string author_handle;
    std::string repost_of;
    std::string country;
    std::string url;
    millis created_at = 0;
    std::uint64_t followers = 0;
    std::uint64_t likes = 0;
    std::uint64_t shares = 0;
    std::uint64_t comments = 0;
    std::uint64_t views = 0;
    float sentiment = 0.0F;
    platform plat = platform::other;
    lang_code lang;
    bool verified = false;
    bool has_sentiment = false;
    bool has_repost_of = false;
};

owned_mention to_owned(const mention& m);

/// Names the first differing field ("text: 'a' vs 'b'"), or returns "" when all are equal.
std::string describe_diff(const owned_mention& a, const owned_mention& b);

/// Appends `s` (UTF-8) as a JSON string literal. With an rng, each character is written
/// raw or escaped at random (\n, \", \/, \u00e9, surrogate pairs ...); without, minimally.
void append_json_string(std::string& out, std::string_view s, std::mt19937_64* rng = nullptr);

/// A random record that must be accepted, with the values the parser must produce.
struct valid_record {
    std::string json;
    owned_mention expected;
};
valid_record random_valid_record(std::mt19937_64& rng, const parse_options& opts = {});

/// A random record that is usually schema-broken in some way (wrong types, nulls, negative or
/// huge numbers, duplicate keys, missing fields, odd timestamps, unknown nested values) but is
/// valid JSON; for comparing the parser with the reference.
std::string random_schema_record(std::mt19937_64& rng);

/// Serialises an accepted mention back to JSON (round trip).
std::string write_mention(const owned_mention& m, std::mt19937_64* rng = nullptr);

/// The contract implemented plainly over simdjson's DOM: the yardstick for mention_parser.
class reference_parser {
  public:
    explicit reference_parser(parse_options opts = {}) : opts_(opts) {}

    /// `unsure` is set when the DOM parser cannot represent valid JSON (integers beyond
    /// uint64, doubles beyond 1e308): the answer is then not comparable.
    parse_status parse(std::string_view record, owned_mention& out, bool& unsure);

  private:
    parse_options opts_;
    simdjson::dom::parser dom_;
};

} // namespace pulso::test
