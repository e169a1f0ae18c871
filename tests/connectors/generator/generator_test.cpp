#include "alloc_counter.h"
#include "pulso/core/time.h"
#include "pulso/generator/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pulso {
namespace {

struct rec {
    std::string line;
    millis et = 0;
    record_truth truth;
};

std::vector<rec> generate(const generator_options& o, std::size_t limit = SIZE_MAX) {
    mention_generator g(o);
    std::vector<rec> v;
    std::string line;
    millis et = 0;
    while (v.size() < limit) {
        line.clear();
        if (!g.next(line, et)) {
            break;
        }
        EXPECT_EQ(g.truth().event_time, et);
        v.push_back({line, et, g.truth()});
    }
    EXPECT_EQ(g.produced(), v.size());
    return v;
}

generator_options opts(double rate, millis duration, std::uint64_t seed = 1) {
    generator_options o;
    o.rate = rate;
    o.duration = duration;
    o.seed = seed;
    return o;
}

// --- a plain reference of CONTRACT §3 text rules, enough for the generator's vocabulary ----
// Lower-cases ASCII, folds Latin-1 letters to their base letter (as NFKC + case fold + mark
// removal does) and turns every other non-ASCII code point (emoji, ¿, ¡) into a space.
std::string fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
            ++i;
            continue;
        }
        std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        char mapped = ' ';
        if (c == 0xC3 && i + 1 < s.size()) {
            const auto d = static_cast<unsigned char>(s[i + 1]) & 0xDF; // upper and lower alike
            if (d >= 0x80 && d <= 0x85) {
                mapped = 'a';
            } else if (d == 0x87) {
                mapped = 'c';
            } else if (d >= 0x88 && d <= 0x8B) {
                mapped = 'e';
            } else if (d >= 0x8C && d <= 0x8F) {
                mapped = 'i';
            } else if (d == 0x91) {
                mapped = 'n';
            } else if (d >= 0x92 && d <= 0x96) {
                mapped = 'o';
            } else if (d >= 0x99 && d <= 0x9C) {
                mapped = 'u';
            }
        }
        out.push_back(mapped);
        i += n;
    }
    return out;
}

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool contains_word(std::string_view folded, std::string_view word) {
    for (std::size_t pos = folded.find(word); pos != std::string_view::npos;
         pos = folded.find(word, pos + 1)) {
        const bool left = pos == 0 || !word_char(folded[pos - 1]);
        const std::size_t end = pos + word.size();
        const bool right = end == folded.size() || !word_char(folded[end]);
        if (left && right) {
            return true;
        }
    }
    return false;
}

struct brand_rules {
    std::string name;
    std::vector<std::string> patterns; // keywords, handles, hashtags, folded
    std::vector<std::string> excludes;
};

std::vector<brand_rules> load_rules() {
    const YAML::Node root = YAML::Load(std::string(default_brands_yaml()));
    std::vector<brand_rules> out;
    for (const auto& b : root["brands"]) {
        brand_rules r;
        r.name = b["name"].as<std::string>();
        for (const char* k : {"keywords", "handles", "hashtags"}) {
            for (const auto& p : b[k]) {
                r.patterns.push_back(fold(p.as<std::string>()));
            }
        }
        if (b["exclude"]) {
            for (const auto& p : b["exclude"]) {
                r.excludes.push_back(fold(p.as<std::string>()));
            }
        }
        out.push_back(r);
    }
    return out;
}

std::uint32_t match_brands(const std::vector<brand_rules>& rules, std::string_view text) {
    const std::string f = fold(text);
    std::uint32_t mask = 0;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        const bool hit = std::any_of(r.patterns.begin(), r.patterns.end(),
                                     [&](const std::string& p) { return contains_word(f, p); });
        const bool excluded =
            std::any_of(r.excludes.begin(), r.excludes.end(),
                        [&](const std::string& p) { return contains_word(f, p); });
        if (hit && !excluded) {
            mask |= 1U << i;
        }
    }
    return mask;
}

// Marker words of the generator's sentiment phrases, folded.
const std::vector<std::string> k_pos_words = {
    "encanta",     "excelente", "genial",    "increible", "recomiendo", "buenisimo",
    "maravilloso", "feliz",     "love",      "great",     "amazing",    "excellent",
    "awesome",     "happy",     "best",      "fantastic", "adorei",     "otimo",
    "maravilhoso", "incrivel",  "recomendo", "perfeito"};
const std::vector<std::string> k_neg_words = {
    "pesimo",  "horrible", "terrible", "odio",  "decepcionado", "malisimo", "verguenza",
    "estafa",  "awful",    "worst",    "hate",  "disappointed", "useless",  "angry",
    "pessimo", "horrivel", "terrivel", "odeio", "vergonha",     "lixo",     "absurdo"};

bool has_any(std::string_view folded, const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return contains_word(folded, w); });
}

std::string_view get_text(simdjson::dom::parser& p, const std::string& line) {
    simdjson::dom::element doc;
    if (p.parse(line).get(doc) != simdjson::SUCCESS) {
        return {};
    }
    std::string_view t;
    if (doc["text"].get(t) != simdjson::SUCCESS) {
        return {};
    }
    return t;
}

// --- determinism ------------------------------------------------------------------------
TEST(MentionGenerator, SameSeedGivesIdenticalBytes) {
    generator_options o = opts(50, 20 * 60'000, 7);
    o.bad_ratio = 0.02;
    o.duplicate_ratio = 0.02;
    o.max_disorder = 3000;
    o.scenario = "demo";
    const auto a = generate(o);
    const auto b = generate(o);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_GT(a.size(), 50'000U);
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].line, b[i].line) << "record " << i;
        ASSERT_EQ(a[i].et, b[i].et) << "record " << i;
    }
}

TEST(MentionGenerator, DifferentSeedGivesDifferentBytes) {
    const auto a = generate(opts(50, 60'000, 1));
    const auto b = generate(opts(50, 60'000, 2));
    std::size_t same = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        same += a[i].line == b[i].line ? 1 : 0;
    }
    EXPECT_EQ(same, 0U);
}

TEST(MentionGenerator, AppendsToOutput) {
    mention_generator g(opts(10, 10'000));
    std::string out = "prefix";
    millis et = 0;
    ASSERT_TRUE(g.next(out, et));
    EXPECT_EQ(out.rfind("prefix{", 0), 0U);
}

// --- record shape -----------------------------------------------------------------------
void check_record(simdjson::dom::parser& p, const rec& r, bool with_sentiment,
                  std::unordered_set<std::string>& ids) {
    SCOPED_TRACE(r.line);
    ASSERT_EQ(r.line.find('\n'), std::string::npos);
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get(obj), simdjson::SUCCESS);

    std::string_view id;
    ASSERT_EQ(obj["id"].get(id), simdjson::SUCCESS);
    ASSERT_GE(id.size(), 1U);
    ASSERT_LE(id.size(), 256U);
    ASSERT_TRUE(ids.insert(std::string(id)).second) << "duplicate id " << id;

    std::string_view platform;
    ASSERT_EQ(obj["platform"].get(platform), simdjson::SUCCESS);
    ASSERT_FALSE(platform.empty());

    simdjson::dom::element created;
    ASSERT_EQ(obj["created_at"].get(created), simdjson::SUCCESS);
    if (created.is_int64()) {
        EXPECT_EQ(created.get_int64().value(), r.et);
    } else {
        std::string_view ts;
        ASSERT_EQ(created.get(ts), simdjson::SUCCESS);
        millis t = 0;
        ASSERT_EQ(parse_rfc3339(ts, t), time_errc::ok) << ts;
        EXPECT_EQ(t, r.et) << ts;
    }
    EXPECT_GE(r.et, k_min_event_time);
    EXPECT_LT(r.et, k_max_event_time);

    std::string_view text;
    ASSERT_EQ(obj["text"].get(text), simdjson::SUCCESS);
    EXPECT_GE(text.size(), 40U);
    EXPECT_LE(text.size(), 280U);

    simdjson::dom::object author;
    ASSERT_EQ(obj["author"].get(author), simdjson::SUCCESS);
    std::string_view author_id;
    ASSERT_EQ(author["id"].get(author_id), simdjson::SUCCESS);
    EXPECT_FALSE(author_id.empty());
    std::uint64_t followers = 0;
    ASSERT_EQ(author["followers"].get(followers), simdjson::SUCCESS);
    EXPECT_EQ(followers, r.truth.followers);
    std::string_view handle;
    if (author["handle"].get(handle) == simdjson::SUCCESS) {
        EXPECT_FALSE(handle.empty());
    }
    bool verified = false;
    const auto verr = author["verified"].get(verified);
    EXPECT_TRUE(verr == simdjson::SUCCESS || verr == simdjson::NO_SUCH_FIELD);

    std::string_view lang;
    if (obj["lang"].get(lang) == simdjson::SUCCESS) {
        EXPECT_EQ(lang.substr(0, 2), r.truth.lang) << "lang " << lang;
    }
    simdjson::dom::object eng;
    if (obj["engagement"].get(eng) == simdjson::SUCCESS) {
        for (const char* k : {"likes", "shares", "comments"}) {
            std::uint64_t v = 0;
            EXPECT_EQ(eng[k].get(v), simdjson::SUCCESS) << k;
        }
        std::uint64_t views = 0;
        const auto e = eng["views"].get(views);
        EXPECT_TRUE(e == simdjson::SUCCESS || e == simdjson::NO_SUCH_FIELD);
    }
    std::string_view s;
    if (obj["repost_of"].get(s) == simdjson::SUCCESS) {
        EXPECT_EQ(r.truth.kind, generated_kind::repost);
        EXPECT_TRUE(ids.count(std::string(s)) == 1) << "repost of an unseen id " << s;
    } else {
        EXPECT_NE(r.truth.kind, generated_kind::repost);
    }
    if (obj["country"].get(s) == simdjson::SUCCESS) {
        EXPECT_EQ(s.size(), 2U);
    }
    if (obj["url"].get(s) == simdjson::SUCCESS) {
        EXPECT_EQ(s.rfind("https://", 0), 0U);
    }
    double sentiment = 0;
    const auto serr = obj["sentiment"].get(sentiment);
    if (with_sentiment) {
        ASSERT_EQ(serr, simdjson::SUCCESS);
        const auto cls = sentiment >= 0.05    ? sentiment_class::positive
                         : sentiment <= -0.05 ? sentiment_class::negative
                                              : sentiment_class::neutral;
        EXPECT_EQ(cls, r.truth.sentiment);
        EXPECT_LE(std::abs(sentiment), 1.0);
    } else {
        EXPECT_EQ(serr, simdjson::NO_SUCH_FIELD);
    }
}

TEST(MentionGenerator, EveryRecordIsOneJsonObjectWithRequiredFields) {
    for (const bool with_sentiment : {false, true}) {
        generator_options o = opts(100, 15 * 60'000, 3);
        o.with_sentiment = with_sentiment;
        o.max_disorder = 2000;
        const auto v = generate(o);
        ASSERT_GT(v.size(), 80'000U);
        simdjson::dom::parser p;
        std::unordered_set<std::string> ids;
        for (const auto& r : v) {
            check_record(p, r, with_sentiment, ids);
            if (HasFatalFailure()) {
                return;
            }
        }
    }
}

TEST(MentionGenerator, TextAgreesWithTruth) {
    const auto rules = load_rules();
    ASSERT_EQ(rules.size(), default_brand_names().size());
    generator_options o = opts(100, 20 * 60'000, 11);
    o.scenario = "demo";
    const auto v = generate(o);
    simdjson::dom::parser p;
    std::size_t none = 0;
    std::size_t multi = 0;
    std::size_t excluded_acme = 0;
    for (const auto& r : v) {
        const std::string_view text = get_text(p, r.line);
        ASSERT_FALSE(text.empty()) << r.line;
        ASSERT_EQ(match_brands(rules, text), r.truth.brands) << text;
        const std::string f = fold(text);
        switch (r.truth.sentiment) {
        case sentiment_class::positive:
            EXPECT_TRUE(has_any(f, k_pos_words)) << text;
            EXPECT_FALSE(has_any(f, k_neg_words)) << text;
            break;
        case sentiment_class::neutral:
            EXPECT_FALSE(has_any(f, k_pos_words)) << text;
            EXPECT_FALSE(has_any(f, k_neg_words)) << text;
            break;
        case sentiment_class::negative:
            EXPECT_TRUE(has_any(f, k_neg_words)) << text;
            EXPECT_FALSE(has_any(f, k_pos_words)) << text;
            break;
        }
        none += r.truth.brands == 0 ? 1 : 0;
        multi += (r.truth.brands & (r.truth.brands - 1)) != 0 ? 1 : 0;
        excluded_acme += contains_word(f, "acme road runner") ? 1 : 0;
        if (HasFailure()) {
            return;
        }
    }
    const double none_share = static_cast<double>(none) / static_cast<double>(v.size());
    EXPECT_NEAR(none_share, 0.40, 0.05);
    EXPECT_GT(multi, 0U);
    EXPECT_GT(excluded_acme, 0U);
}

TEST(MentionGenerator, LanguagePlatformAndSentimentMix) {
    const auto v = generate(opts(200, 10 * 60'000, 5));
    ASSERT_GT(v.size(), 100'000U);
    std::map<std::string_view, double> lang;
    std::map<sentiment_class, double> sent;
    std::map<std::string, double> plat;
    std::size_t lang_absent = 0;
    std::size_t epoch = 0;
    std::size_t offset = 0;
    std::set<std::string> lang_values;
    simdjson::dom::parser p;
    for (const auto& r : v) {
        lang[r.truth.lang] += 1;
        sent[r.truth.sentiment] += 1;
        simdjson::dom::element doc;
        ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
        std::string_view s;
        ASSERT_EQ(doc["platform"].get(s), simdjson::SUCCESS);
        plat[std::string(s)] += 1;
        if (doc["lang"].get(s) == simdjson::SUCCESS) {
            lang_values.insert(std::string(s));
        } else {
            ++lang_absent;
        }
        simdjson::dom::element c = doc["created_at"];
        if (c.is_int64()) {
            ++epoch;
        } else if (c.get_string().value().back() != 'Z') {
            ++offset;
        }
    }
    const auto n = static_cast<double>(v.size());
    EXPECT_NEAR(lang["es"] / n, 0.45, 0.03);
    EXPECT_NEAR(lang["en"] / n, 0.35, 0.03);
    EXPECT_NEAR(lang["pt"] / n, 0.20, 0.03);
    EXPECT_NEAR(sent[sentiment_class::positive] / n, 0.30, 0.03);
    EXPECT_NEAR(sent[sentiment_class::neutral] / n, 0.50, 0.03);
    EXPECT_NEAR(sent[sentiment_class::negative] / n, 0.20, 0.03);
    EXPECT_NEAR(static_cast<double>(lang_absent) / n, 0.14, 0.04);
    for (const char* l : {"es", "es-MX", "en-US", "pt-BR"}) {
        EXPECT_TRUE(lang_values.count(l) == 1) << l;
    }
    EXPECT_NEAR((plat["twitter"] + plat["x"] + plat["Twitter"]) / n, 0.45, 0.03);
    for (const char* k : {"twitter", "x", "facebook", "instagram", "youtube", "tiktok", "reddit",
                          "linkedin", "news", "blog", "forum", "mastodon"}) {
        EXPECT_GT(plat[k], 0) << k;
    }
    EXPECT_NEAR((plat["mastodon"] + plat["threads"] + plat["bluesky"]) / n, 0.02, 0.01);
    EXPECT_NEAR(static_cast<double>(epoch) / n, 0.10, 0.02);
    EXPECT_NEAR(static_cast<double>(offset) / n, 0.10, 0.02);
}

TEST(MentionGenerator, FollowersAreHeavyTailedAndDriveEngagement) {
    const auto v = generate(opts(300, 15 * 60'000, 9));
    ASSERT_GT(v.size(), 250'000U);
    std::vector<std::uint64_t> f;
    f.reserve(v.size());
    std::size_t big = 0, huge = 0, big_verified = 0, small = 0, small_verified = 0;
    double likes_small = 0, likes_large = 0, n_small = 0, n_large = 0;
    simdjson::dom::parser p;
    for (const auto& r : v) {
        if (r.truth.kind == generated_kind::repost) {
            continue;
        }
        f.push_back(r.truth.followers);
        simdjson::dom::element doc;
        ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
        bool verified = false;
        if (doc["author"]["verified"].get(verified) != simdjson::SUCCESS) {
            verified = false;
        }
        if (r.truth.followers >= 100'000) {
            ++big;
            huge += r.truth.followers >= 1'000'000 ? 1 : 0;
            big_verified += verified ? 1 : 0;
            EXPECT_NE(r.truth.sentiment, sentiment_class::negative)
                << "a steady negative mention from a large author trips `influencer`";
        } else if (r.truth.followers < 10'000) {
            ++small;
            small_verified += verified ? 1 : 0;
        }
        std::uint64_t likes = 0;
        if (doc["engagement"]["likes"].get(likes) == simdjson::SUCCESS) {
            if (r.truth.followers < 1000) {
                likes_small += static_cast<double>(likes);
                n_small += 1;
            } else if (r.truth.followers >= 10'000) {
                likes_large += static_cast<double>(likes);
                n_large += 1;
            }
        }
    }
    std::nth_element(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(f.size() / 2), f.end());
    const std::uint64_t median = f[f.size() / 2];
    EXPECT_GE(median, 200U);
    EXPECT_LE(median, 450U);
    EXPECT_GT(big, 100U);
    EXPECT_GT(huge, 5U);
    EXPECT_GT(static_cast<double>(big_verified), 0.4 * static_cast<double>(big));
    EXPECT_LT(static_cast<double>(small_verified), 0.01 * static_cast<double>(small));
    ASSERT_GT(n_small, 0);
    ASSERT_GT(n_large, 0);
    EXPECT_GT(likes_large / n_large, 20.0 * likes_small / n_small);
}

TEST(MentionGenerator, RepostsAmplifyRecentMentions) {
    const auto v = generate(opts(100, 10 * 60'000, 13));
    std::unordered_map<std::string, std::string> text_of; // id → text
    simdjson::dom::parser p;
    std::size_t reposts = 0, rt = 0;
    for (const auto& r : v) {
        simdjson::dom::element doc;
        ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
        const std::string id(doc["id"].get_string().value());
        const std::string text(doc["text"].get_string().value());
        std::string_view orig;
        if (doc["repost_of"].get(orig) == simdjson::SUCCESS) {
            ++reposts;
            const auto it = text_of.find(std::string(orig));
            ASSERT_NE(it, text_of.end());
            if (text != it->second) {
                ++rt;
                EXPECT_EQ(text.rfind("RT @", 0), 0U) << text;
                EXPECT_EQ(text.substr(text.size() - it->second.size()), it->second);
            }
        }
        text_of.emplace(id, text);
    }
    const auto n = static_cast<double>(v.size());
    EXPECT_NEAR(static_cast<double>(reposts) / n, 0.10, 0.02);
    EXPECT_GT(rt, reposts / 10);
}

// --- bad records, duplicates, disorder ----------------------------------------------------
TEST(MentionGenerator, BadRecordsCycleThroughRejectReasons) {
    for (const bool too_large : {false, true}) {
        generator_options o = opts(100, 5 * 60'000, 17);
        o.bad_ratio = 0.1;
        o.bad_too_large = too_large;
        const auto v = generate(o);
        std::map<std::string_view, std::size_t> reasons;
        std::size_t bad = 0;
        simdjson::dom::parser p;
        for (const auto& r : v) {
            SCOPED_TRACE(r.line.substr(0, 300));
            if (r.truth.kind != generated_kind::bad) {
                simdjson::dom::element doc;
                ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
                continue;
            }
            ++bad;
            ++reasons[r.truth.bad_reason];
            const std::string_view reason = r.truth.bad_reason;
            const std::string_view field = r.truth.bad_field;
            if (reason == "too_large") {
                EXPECT_GT(r.line.size(), 1U << 20);
                continue;
            }
            EXPECT_LT(r.line.size(), 4096U);
            simdjson::dom::element doc;
            const auto err = p.parse(r.line).get(doc);
            if (reason == "invalid_json") {
                EXPECT_NE(err, simdjson::SUCCESS);
                continue;
            }
            ASSERT_EQ(err, simdjson::SUCCESS);
            if (reason == "not_an_object") {
                EXPECT_FALSE(doc.is_object());
                continue;
            }
            ASSERT_TRUE(doc.is_object());
            simdjson::dom::element v2;
            const auto at = [&](std::string_view path) {
                return path.substr(0, 7) == "author."        ? doc["author"][path.substr(7)]
                       : path.substr(0, 11) == "engagement." ? doc["engagement"][path.substr(11)]
                                                             : doc[path];
            };
            if (reason == "missing_field") {
                EXPECT_EQ(at(field).error(), simdjson::NO_SUCH_FIELD) << field;
            } else if (reason == "wrong_type") {
                ASSERT_EQ(at(field).get(v2), simdjson::SUCCESS) << field;
                if (field == "text" || field == "id") {
                    EXPECT_FALSE(v2.is_string());
                } else {
                    EXPECT_TRUE(v2.is_string());
                }
            } else if (reason == "invalid_timestamp") {
                std::string_view ts;
                ASSERT_EQ(at(field).get(ts), simdjson::SUCCESS);
                millis t = 0;
                EXPECT_NE(parse_rfc3339(ts, t), time_errc::ok) << ts;
            } else if (reason == "out_of_range") {
                ASSERT_EQ(at(field).get(v2), simdjson::SUCCESS) << field;
                if (field == "created_at") {
                    millis t = 0;
                    if (v2.is_int64()) {
                        t = v2.get_int64().value();
                    } else {
                        ASSERT_EQ(parse_rfc3339(v2.get_string().value(), t), time_errc::ok);
                    }
                    EXPECT_TRUE(t < k_min_event_time || t >= k_max_event_time) << t;
                } else if (field == "author.followers") {
                    EXPECT_LT(v2.get_int64().value(), 0);
                } else {
                    EXPECT_GT(std::abs(v2.get_double().value()), 1.0);
                }
            } else {
                ADD_FAILURE() << "unexpected reason " << reason;
            }
        }
        const double n = static_cast<double>(v.size());
        EXPECT_NEAR(static_cast<double>(bad) / n, 0.1, 0.01);
        const std::size_t kinds = too_large ? 7 : 6;
        ASSERT_EQ(reasons.size(), kinds);
        for (const auto& [reason, count] : reasons) {
            EXPECT_NEAR(static_cast<double>(count), static_cast<double>(bad) / kinds, 1.0)
                << reason;
        }
        EXPECT_EQ(reasons.count("too_large"), too_large ? 1U : 0U);
    }
}

TEST(MentionGenerator, DuplicatesAreExactResends) {
    generator_options o = opts(100, 5 * 60'000, 19);
    o.duplicate_ratio = 0.05;
    const auto v = generate(o);
    std::unordered_set<std::string> seen;
    std::size_t dups = 0;
    for (const auto& r : v) {
        if (r.truth.kind == generated_kind::duplicate) {
            ++dups;
            EXPECT_EQ(seen.count(r.line), 1U) << "not a re-send: " << r.line;
        } else {
            EXPECT_TRUE(seen.insert(r.line).second) << "unexpected repeat: " << r.line;
        }
    }
    EXPECT_NEAR(static_cast<double>(dups) / static_cast<double>(v.size()), 0.05, 0.006);
}

TEST(MentionGenerator, EventTimesRespectMaxDisorder) {
    for (const millis bound : {millis{0}, millis{5000}}) {
        generator_options o = opts(100, 5 * 60'000, 23);
        o.max_disorder = bound;
        const auto v = generate(o);
        millis max_seen = 0;
        std::size_t behind = 0;
        for (const auto& r : v) {
            ASSERT_GE(r.et, max_seen - bound);
            ASSERT_GE(r.et, o.start == 0 ? 0 : o.start);
            behind += r.et < max_seen ? 1 : 0;
            max_seen = std::max(max_seen, r.et);
        }
        const millis start = v.front().et;
        EXPECT_LT(max_seen - start, o.duration);
        if (bound == 0) {
            EXPECT_EQ(behind, 0U);
        } else {
            EXPECT_GT(behind, v.size() / 5);
        }
    }
}

TEST(MentionGenerator, RateAndStartAreHonoured) {
    generator_options o = opts(20, 10 * 60'000);
    const auto v = generate(o);
    EXPECT_NEAR(static_cast<double>(v.size()), 12'000, 400); // Poisson: sd ~110
    EXPECT_EQ(format_rfc3339(v.front().et).substr(0, 16), "2026-11-26T04:00");
    o.start = 1'700'000'000'000;
    const auto w = generate(o, 10);
    EXPECT_GE(w.front().et, o.start);
    EXPECT_LT(w.front().et, o.start + 5000);
}

TEST(MentionGenerator, RejectsBadOptions) {
    auto bad = [](auto mutate) {
        generator_options o;
        mutate(o);
        EXPECT_THROW(mention_generator{o}, std::invalid_argument);
    };
    bad([](generator_options& o) { o.scenario = "no_such_scenario"; });
    bad([](generator_options& o) { o.rate = 0; });
    bad([](generator_options& o) { o.rate = -1; });
    bad([](generator_options& o) { o.duration = 0; });
    bad([](generator_options& o) { o.bad_ratio = 1.5; });
    bad([](generator_options& o) { o.duplicate_ratio = -0.1; });
    bad([](generator_options& o) {
        o.bad_ratio = 0.6;
        o.duplicate_ratio = 0.6;
    });
    bad([](generator_options& o) { o.max_disorder = -1; });
    bad([](generator_options& o) { o.start = 100; });
    generator_options ok;
    ok.scenario = "steady";
    EXPECT_NO_THROW(mention_generator{ok});
}

TEST(MentionGenerator, ScenariosAreListedAndDescribed) {
    const auto names = scenario_names();
    for (const char* want : {"steady", "negative_spike", "campaign_surge", "influencer_complaint",
                             "trending_hashtag", "steady_drift", "demo"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    }
    for (const auto n : names) {
        EXPECT_GT(scenario_description(n).size(), 20U) << n;
        generator_options o = opts(5, 60'000);
        o.scenario = std::string(n);
        EXPECT_NO_THROW(mention_generator{o});
    }
    EXPECT_TRUE(scenario_description("nope").empty());
    EXPECT_EQ(scenario_description(""), scenario_description("steady"));
}

TEST(MentionGenerator, DefaultBrandsYamlIsValidBrandRules) {
    const YAML::Node root = YAML::Load(std::string(default_brands_yaml()));
    ASSERT_TRUE(root["brands"].IsSequence());
    const auto names = default_brand_names();
    ASSERT_EQ(root["brands"].size(), names.size());
    // [a-z0-9_-]{1,64} (no std::regex: GCC 12 warns inside it under ASan)
    auto valid_name = [](const std::string& n) {
        return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
    };
    const std::set<std::string> allowed = {"name", "keywords", "handles", "hashtags", "exclude"};
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const YAML::Node b = root["brands"][i];
        const auto name = b["name"].as<std::string>();
        EXPECT_EQ(name, names[i]);
        EXPECT_TRUE(valid_name(name)) << name;
        EXPECT_TRUE(seen.insert(name).second) << name;
        for (const auto& kv : b) {
            EXPECT_EQ(allowed.count(kv.first.as<std::string>()), 1U) << kv.first;
        }
        EXPECT_GT(b["keywords"].size(), 0U);
        for (const auto& h : b["handles"]) {
            EXPECT_EQ(h.as<std::string>()[0], '@');
        }
        for (const auto& h : b["hashtags"]) {
            EXPECT_EQ(h.as<std::string>()[0], '#');
        }
    }
}

// --- scenarios --------------------------------------------------------------------------
/// Per-minute counts (relative to start) of records matching `pred`.
template <typename Pred>
std::vector<double> per_minute(const std::vector<rec>& v, millis start, std::size_t minutes,
                               Pred pred) {
    std::vector<double> c(minutes, 0.0);
    simdjson::dom::parser p;
    for (const auto& r : v) {
        const auto m = static_cast<std::size_t>((r.et - start) / 60'000);
        if (m < minutes && pred(p, r)) {
            c[m] += 1;
        }
    }
    return c;
}

double mean(const std::vector<double>& c, std::size_t from, std::size_t to) {
    double s = 0;
    for (std::size_t i = from; i < to; ++i) {
        s += c[i];
    }
    return s / static_cast<double>(to - from);
}

constexpr millis k_start = 1'795'665'600'000; // 2026-11-26T04:00:00Z

std::vector<rec> scenario(std::string_view name, millis minutes, double rate = 4.5,
                          std::uint64_t seed = 1) {
    generator_options o = opts(rate, minutes * 60'000, seed);
    o.scenario = std::string(name);
    return generate(o);
}

TEST(MentionGenerator, DefaultStartIsTheContractExample) {
    EXPECT_EQ(format_rfc3339(k_start), "2026-11-26T04:00:00Z");
}

TEST(GeneratorScenario, NegativeSpikeTenfoldAcmeNegatives) {
    const auto rules = load_rules();
    const auto v = scenario("negative_spike", 45);
    auto acme_negative = [&](simdjson::dom::parser& p, const rec& r) {
        const std::string_view text = get_text(p, r.line);
        return (match_brands(rules, text) & 1U) != 0 && has_any(fold(text), k_neg_words);
    };
    const auto c = per_minute(v, k_start, 45, acme_negative);
    const double base = mean(c, 5, 34);
    std::printf("acme negatives/min: baseline %.1f, minute 20 %.0f, minute 36 %.0f\n", base, c[20],
                c[36]);
    EXPECT_GE(c[36], 5 * c[20]);
    for (std::size_t m = 35; m < 40; ++m) {
        EXPECT_GE(c[m], 6 * base) << "minute " << m;
    }
    EXPECT_LE(mean(c, 41, 45), 2 * base);
    // A concrete topic and hashtag, from many distinct authors.
    std::size_t refund = 0, tag = 0;
    std::set<std::string> authors;
    simdjson::dom::parser p;
    for (const auto& r : v) {
        if (r.truth.episode == "negative_spike" && r.truth.kind == generated_kind::original) {
            const std::string f = fold(get_text(p, r.line));
            refund +=
                f.find("refund") != std::string::npos || f.find("reembolso") != std::string::npos
                    ? 1
                    : 0;
            tag += contains_word(f, "#acmefail") ? 1 : 0;
            simdjson::dom::element doc;
            ASSERT_EQ(p.parse(r.line).get(doc), simdjson::SUCCESS);
            authors.insert(std::string(doc["author"]["id"].get_string().value()));
            EXPECT_EQ(r.truth.sentiment, sentiment_class::negative);
            EXPECT_GE(r.et, k_start + 35 * 60'000);
            EXPECT_LT(r.et, k_start + 40 * 60'000);
        }
    }
    EXPECT_GT(refund, 300U);
    EXPECT_GT(tag, refund / 2);
    EXPECT_GT(authors.size(), refund * 9 / 10);
}

TEST(GeneratorScenario, CampaignSurgeEightfoldPositiveVolume) {
    const auto rules = load_rules();
    const auto v = scenario("campaign_surge", 45);
    auto cafe = [&](simdjson::dom::parser& p, const rec& r) {
        return (match_brands(rules, get_text(p, r.line)) & 2U) != 0;
    };
    auto cafe_negative = [&](simdjson::dom::parser& p, const rec& r) {
        const std::string_view text = get_text(p, r.line);
        return (match_brands(rules, text) & 2U) != 0 && has_any(fold(text), k_neg_words);
    };
    const auto c = per_minute(v, k_start, 45, cafe);
    const auto n = per_minute(v, k_start, 45, cafe_negative);
    const double base = mean(c, 5, 34);
    std::printf("cafe_andino/min: baseline %.1f, minute 36 %.0f; negatives baseline %.2f, "
                "during %.2f\n",
                base, c[36], mean(n, 5, 34), mean(n, 35, 40));
    EXPECT_GE(c[36], 5 * c[20]);
    for (std::size_t m = 35; m < 40; ++m) {
        EXPECT_GE(c[m], 5 * base) << "minute " << m;
    }
    // Negatives unchanged (within Poisson noise of a small count).
    EXPECT_LE(mean(n, 35, 40), 2.0 * mean(n, 5, 34) + 1.0);
}

TEST(GeneratorScenario, InfluencerComplaintOnePost) {
    const auto v = scenario("influencer_complaint", 40);
    std::size_t found = 0;
    for (const auto& r : v) {
        if (r.truth.followers >= 100'000 && r.truth.sentiment == sentiment_class::negative &&
            r.truth.brands != 0) {
            ++found;
            EXPECT_EQ(r.truth.followers, 2'000'000U);
            EXPECT_EQ(r.truth.brands, 1U << 2); // telco_sur
            EXPECT_EQ(r.truth.episode, "influencer_complaint");
            EXPECT_EQ(r.et, k_start + 35 * 60'000 + 5000);
            EXPECT_NE(r.line.find("\"verified\":true"), std::string::npos);
            EXPECT_NE(r.line.find("\"followers\":2000000"), std::string::npos);
        }
    }
    EXPECT_EQ(found, 1U);
}

TEST(GeneratorScenario, TrendingHashtagRisesFromNothing) {
    const auto rules = load_rules();
    const auto v = scenario("trending_hashtag", 52);
    auto apagon = [](simdjson::dom::parser& p, const rec& r) {
        return contains_word(fold(get_text(p, r.line)), "#apagon");
    };
    const auto c = per_minute(v, k_start, 52, apagon);
    std::printf("#apagon/min: minute 34 %.0f, 35 %.0f, 36 %.0f, 40 %.0f, 47 %.0f, 51 %.0f\n", c[34],
                c[35], c[36], c[40], c[47], c[51]);
    EXPECT_EQ(mean(c, 0, 35), 0.0);
    EXPECT_GT(c[35], 50);
    for (std::size_t m = 36; m < 45; ++m) {
        EXPECT_NEAR(c[m], 200, 50) << "minute " << m;
    }
    EXPECT_LT(c[49], 100);
    EXPECT_EQ(c[51], 0);
    // Across brands and none.
    std::uint32_t brands = 0;
    std::size_t none = 0, total = 0;
    simdjson::dom::parser p;
    for (const auto& r : v) {
        if (r.truth.episode == "trending_hashtag") {
            ++total;
            const auto m = match_brands(rules, get_text(p, r.line));
            brands |= m;
            none += m == 0 ? 1 : 0;
        }
    }
    EXPECT_EQ(brands, (1U << 2) | (1U << 3) | (1U << 5));
    EXPECT_NEAR(static_cast<double>(none) / static_cast<double>(total), 0.925, 0.03);
}

TEST(GeneratorScenario, SteadyDriftMovesBrandRatesSlowly) {
    const auto v = scenario("steady_drift", 120, 45.0);
    const auto names = default_brand_names();
    std::size_t drifting = 0;
    for (std::size_t b = 0; b < names.size(); ++b) {
        std::vector<double> per10(12, 0.0);
        for (const auto& r : v) {
            if ((r.truth.brands & (1U << b)) != 0 && r.truth.kind == generated_kind::original) {
                per10[static_cast<std::size_t>((r.et - k_start) / 600'000)] += 1;
            }
        }
        const auto [lo, hi] = std::minmax_element(per10.begin(), per10.end());
        const double ratio = *hi / *lo;
        std::printf("%-12s 10-min counts min %.0f max %.0f ratio %.2f\n",
                    std::string(names[b]).c_str(), *lo, *hi, ratio);
        EXPECT_LT(ratio, 1.3 / 0.7 * 1.25) << names[b];
        drifting += ratio > 1.25 ? 1 : 0;
        for (std::size_t i = 1; i < per10.size(); ++i) {
            // slow: neighbouring 10-minute buckets differ by far less than the full swing
            EXPECT_LT(std::abs(per10[i] - per10[i - 1]), 0.35 * (*hi)) << names[b];
        }
    }
    EXPECT_GE(drifting, 4U);
    for (const auto& r : v) {
        ASSERT_TRUE(r.truth.episode.empty());
    }
}

TEST(GeneratorScenario, SteadyHasNoEventsAndSmallBrandCounts) {
    const auto rules = load_rules();
    const auto v = scenario("steady", 30);
    for (const auto& r : v) {
        ASSERT_TRUE(r.truth.episode.empty());
    }
    // At the reference rate (4.5/s) brands see 5-60 mentions a minute.
    for (std::size_t b = 0; b < rules.size(); ++b) {
        const auto c = per_minute(v, k_start, 30, [&](simdjson::dom::parser& p, const rec& r) {
            return (match_brands(rules, get_text(p, r.line)) & (1U << b)) != 0;
        });
        const double m = mean(c, 0, 30);
        std::printf("%-12s %.1f mentions/min\n", rules[b].name.c_str(), m);
        EXPECT_GE(m, 4.0) << rules[b].name;
        EXPECT_LE(m, 75.0) << rules[b].name;
    }
}

TEST(GeneratorScenario, DemoHasCrisisTrendAndInfluencer) {
    // The demo starts 40 minutes in the past: 40 quiet minutes of baseline, then the crisis
    // (minute 41), the trend (minute 42) and the influencer (minute 44).
    const auto rules = load_rules();
    const auto v = scenario("demo", 50);
    auto acme_negative = [&](simdjson::dom::parser& p, const rec& r) {
        const std::string_view text = get_text(p, r.line);
        return (match_brands(rules, text) & 1U) != 0 && has_any(fold(text), k_neg_words);
    };
    const auto c = per_minute(v, k_start, 50, acme_negative);
    const auto t = per_minute(v, k_start, 50, [](simdjson::dom::parser& p, const rec& r) {
        return contains_word(fold(get_text(p, r.line)), "#apagon");
    });
    std::printf("demo acme negatives/min: 38-39: %.0f %.0f, 42-44: %.0f %.0f %.0f; #apagon min "
                "41-44: %.0f %.0f %.0f %.0f\n",
                c[38], c[39], c[42], c[43], c[44], t[41], t[42], t[43], t[44]);
    EXPECT_GE(c[42], 5 * std::max(1.0, mean(c, 0, 40)));
    EXPECT_EQ(mean(t, 0, 42), 0.0);
    EXPECT_GT(t[43], 150);
    std::size_t influencer = 0;
    for (const auto& r : v) {
        influencer += r.truth.episode == "influencer_complaint" ? 1 : 0;
    }
    EXPECT_EQ(influencer, 1U);
}

TEST(MentionGenerator, NextAllocatesNothingInSteadyState) {
    generator_options o = opts(200, 20 * 60'000, 29);
    o.scenario = "demo";
    o.bad_ratio = 0.05;
    o.duplicate_ratio = 0.05;
    o.max_disorder = 5000;
    o.with_sentiment = true;
    mention_generator g(o);
    std::string out;
    out.reserve(8192);
    millis et = 0;
    for (int i = 0; i < 20'000; ++i) { // warm-up
        out.clear();
        ASSERT_TRUE(g.next(out, et));
    }
    // The counter itself works:
    std::size_t before = test::allocation_count();
    auto probe = std::make_unique<int>(1);
    ASSERT_EQ(test::allocation_count() - before, 1U);
    before = test::allocation_count();
    std::size_t n = 0;
    while (true) {
        out.clear();
        if (!g.next(out, et)) {
            break;
        }
        ++n;
    }
    const std::size_t allocations = test::allocation_count() - before;
    EXPECT_GT(n, 200'000U);
    EXPECT_EQ(allocations, 0U);
}

// --- throughput -------------------------------------------------------------------------
TEST(MentionGenerator, ThroughputIsReported) {
    generator_options o = opts(1000, 3'000'000); // ~3M records
    o.scenario = "demo";
    mention_generator g(o);
    std::string out;
    millis et = 0;
    std::size_t bytes = 0;
    auto cpu_now = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    while (true) {
        out.clear();
        if (!g.next(out, et)) {
            break;
        }
        bytes += out.size();
    }
    const double cpu = cpu_now() - c0;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto n = static_cast<double>(g.produced());
    std::printf("generator: %.0f records, %.0f bytes/record, %.2f M records/s per core (CPU "
                "time; %.2f M/s wall), %.0f MB/s\n",
                n, static_cast<double>(bytes) / n, n / cpu / 1e6, n / wall / 1e6,
                static_cast<double>(bytes) / cpu / 1e6);
    // A floor that holds in sanitizer builds too; the Release figure is in the README.
    EXPECT_GT(n / cpu, 100'000);
}

} // namespace
} // namespace pulso
