// libFuzzer target for mention_parser (also run without libFuzzer by replay_main.cpp).
//
// Invariants checked on every input:
//  - unpadded and padded parses agree (status and every field);
//  - the plain DOM reference parser agrees, unless the DOM cannot represent the input;
//  - an accepted mention satisfies the contract (id 1..256 bytes, created_at in range, text
//    within max_text_bytes, sentiment in [-1, 1], lang `und` or 2-3 lower-case letters);
//  - a rejection names a field exactly when the reason is about one;
//  - an accepted mention written back to JSON parses to the same mention.
#include "parse_test_support.h"
#include "pulso/parse/mention_parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace pulso;

namespace {

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "parse_fuzz: invariant failed: %s: ", #cond);                     \
            std::fprintf(stderr, __VA_ARGS__);                                                     \
            std::fprintf(stderr, "\n");                                                            \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

parse_options fuzz_options() {
    parse_options o;
    o.max_record_bytes = 1 << 16;
    o.max_text_bytes = 256; // small, so that out_of_range on text is reachable
    return o;
}

bool field_expected(reject_reason r) {
    switch (r) {
    case reject_reason::missing_field:
    case reject_reason::wrong_type:
    case reject_reason::invalid_timestamp:
    case reject_reason::out_of_range:
        return true;
    default:
        return false;
    }
}

void check_accepted(const test::owned_mention& m, const parse_options& o) {
    FUZZ_CHECK(!m.id.empty() && m.id.size() <= 256, "id size %zu", m.id.size());
    FUZZ_CHECK(m.created_at >= k_min_event_time && m.created_at < k_max_event_time, "%lld",
               static_cast<long long>(m.created_at));
    FUZZ_CHECK(m.text.size() <= o.max_text_bytes, "text size %zu", m.text.size());
    FUZZ_CHECK(!m.has_sentiment || (m.sentiment >= -1.0F && m.sentiment <= 1.0F), "%f",
               static_cast<double>(m.sentiment));
    FUZZ_CHECK(m.has_sentiment || m.sentiment == 0.0F, "sentiment without has_sentiment");
    FUZZ_CHECK(m.has_repost_of || m.repost_of.empty(), "repost_of without has_repost_of");
    FUZZ_CHECK(static_cast<std::size_t>(m.plat) < k_platform_count, "platform");
    const std::string_view l = m.lang.view();
    bool lang_ok = l.size() >= 2 && l.size() <= 3;
    for (const char c : l) {
        lang_ok = lang_ok && c >= 'a' && c <= 'z';
    }
    FUZZ_CHECK(lang_ok, "lang '%.*s'", static_cast<int>(l.size()), l.data());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const parse_options opts = fuzz_options();
    static mention_parser parser(opts);
    static test::reference_parser reference(opts);

    const std::string_view input(reinterpret_cast<const char*>(data), size);
    mention m;
    const parse_status st = parser.parse(input, m, false);
    const test::owned_mention got = test::to_owned(m);

    std::string padded(input);
    padded.append(64, '"'); // hostile padding content
    const parse_status st2 = parser.parse(std::string_view(padded.data(), size), m, true);
    FUZZ_CHECK(st.reason == st2.reason && st.field == st2.field, "padded %s/%.*s vs %s",
               to_string(st.reason).data(), static_cast<int>(st.field.size()), st.field.data(),
               to_string(st2.reason).data());
    const std::string diff = test::describe_diff(got, test::to_owned(m));
    FUZZ_CHECK(diff.empty(), "padded differs: %s", diff.c_str());

    FUZZ_CHECK(st.field.empty() != field_expected(st.reason), "reason %s field '%.*s'",
               to_string(st.reason).data(), static_cast<int>(st.field.size()), st.field.data());
    FUZZ_CHECK(st.reason != reject_reason::future_timestamp, "future_timestamp is not ours");

    test::owned_mention ref;
    bool unsure = false;
    const parse_status rs = reference.parse(input, ref, unsure);
    if (!unsure) {
        FUZZ_CHECK(st.reason == rs.reason && st.field == rs.field,
                   "parser %s/%.*s, reference %s/%.*s", to_string(st.reason).data(),
                   static_cast<int>(st.field.size()), st.field.data(), to_string(rs.reason).data(),
                   static_cast<int>(rs.field.size()), rs.field.data());
        const std::string rdiff = test::describe_diff(got, ref);
        FUZZ_CHECK(rdiff.empty(), "reference differs: %s", rdiff.c_str());
    }

    if (st.ok()) {
        check_accepted(got, opts);
        const std::string again = test::write_mention(got);
        const parse_status st3 = parser.parse(again, m, false);
        FUZZ_CHECK(st3.ok(), "round trip rejected: %s %.*s", to_string(st3.reason).data(),
                   static_cast<int>(st3.field.size()), st3.field.data());
        const std::string rt = test::describe_diff(got, test::to_owned(m));
        FUZZ_CHECK(rt.empty(), "round trip differs: %s", rt.c_str());
    } else {
        FUZZ_CHECK(test::describe_diff(got, test::owned_mention{}).empty(),
                   "rejected output not reset");
    }
    return 0;
}
