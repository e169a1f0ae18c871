#include "pulso/window/window_record.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <string>

namespace pulso {
namespace {

millis at(std::string_view rfc3339) {
    millis t = 0;
    EXPECT_EQ(parse_rfc3339(rfc3339, t), time_errc::ok);
    return t;
}

TEST(WindowRecord, MatchesContractExample) {
    window_options opts;
    brand_window w(opts);
    w.mentions = 120;
    w.sentiment = {30, 50, 40};
    w.reach = 845000;
    w.engagement = 3120;
    w.reposts = 12;
    for (int i = 0; i < 97; ++i) {
        w.authors.add(test::cat("author", i));
    }
    w.platforms[static_cast<std::size_t>(platform::facebook)] = 40;
    w.platforms[static_cast<std::size_t>(platform::twitter)] = 80;
    w.languages.emplace_back(test::make_lang("en"), 50);
    w.languages.emplace_back(test::make_lang("es"), 70);
    w.hashtags.add("#acme", 33);
    w.terms.add("refund", 21);
    std::string out = "prefix:"; // appends
    write_window_record(out, "acme", at("2026-11-26T04:00:00Z"), at("2026-11-26T04:01:00Z"), w);
    EXPECT_EQ(
        out,
        R"(prefix:{"brand":"acme","window_start":"2026-11-26T04:00:00Z",)"
        R"("window_end":"2026-11-26T04:01:00Z","mentions":120,)"
        R"("sentiment":{"positive":30,"neutral":50,"negative":40},"reach":845000,)"
        R"("engagement":3120,"reposts":12,"unique_authors":97,)"
        R"("platforms":{"twitter":80,"facebook":40},"languages":{"es":70,"en":50},)"
        R"("top_hashtags":[{"tag":"#acme","count":33}],"top_terms":[{"term":"refund","count":21}]})");
}

TEST(WindowRecord, OrdersTiesByKeyCutsAtTenAndSkipsTerms) {
    window_options opts;
    brand_window w(opts);
    w.mentions = 3;
    w.sentiment = {0, 3, 0};
    w.platforms[static_cast<std::size_t>(platform::x)] = 1;
    w.platforms[static_cast<std::size_t>(platform::blog)] = 1;
    w.platforms[static_cast<std::size_t>(platform::other)] = 1;
    w.languages.emplace_back(test::make_lang("und"), 3);
    for (int i = 0; i < 12; ++i) {
        w.hashtags.add(test::cat("#t", i), static_cast<std::uint64_t>(i < 6 ? 2 : 1));
    }
    w.hashtags.add("#q\"uote", 5);
    w.terms.add("acme", 9);
    w.terms.add("corp", 9);
    w.terms.add("bad", 1);
    std::string out;
    write_window_record(out, "*", at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:30Z"), w,
                        [](std::string_view t) { return t == "acme" || t == "corp"; });
    EXPECT_EQ(out,
              R"({"brand":"*","window_start":"2026-01-01T00:00:00Z",)"
              R"("window_end":"2026-01-01T00:00:30Z","mentions":3,)"
              R"("sentiment":{"positive":0,"neutral":3,"negative":0},"reach":0,"engagement":0,)"
              R"("reposts":0,"unique_authors":0,"platforms":{"blog":1,"other":1,"x":1},)"
              R"("languages":{"und":3},"top_hashtags":[{"tag":"#q\"uote","count":5},)"
              R"({"tag":"#t0","count":2},{"tag":"#t1","count":2},{"tag":"#t2","count":2},)"
              R"({"tag":"#t3","count":2},{"tag":"#t4","count":2},{"tag":"#t5","count":2},)"
              R"({"tag":"#t10","count":1},{"tag":"#t11","count":1},{"tag":"#t6","count":1}],)"
              R"("top_terms":[{"term":"bad","count":1}]})");
}

TEST(WindowRecord, EmptyWindowHasEmptyObjectsAndLists) {
    window_options opts;
    brand_window w(opts);
    std::string out;
    write_window_record(out, "b", 0, 60'000, w);
    EXPECT_EQ(out, R"({"brand":"b","window_start":"1970-01-01T00:00:00Z",)"
                   R"("window_end":"1970-01-01T00:01:00Z","mentions":0,)"
                   R"("sentiment":{"positive":0,"neutral":0,"negative":0},"reach":0,)"
                   R"("engagement":0,"reposts":0,"unique_authors":0,"platforms":{},)"
                   R"("languages":{},"top_hashtags":[],"top_terms":[]})");
}

} // namespace
} // namespace pulso
