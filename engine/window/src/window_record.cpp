#include "pulso/window/window_record.h"

#include "pulso/core/json_writer.h"
#include "pulso/core/time.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace pulso {
namespace {

using str_entry = space_saving<std::string>::entry_view;

void write_time(json_writer& j, std::string_view key, millis t) {
    char buf[32];
    const std::size_t n = format_rfc3339(t, buf);
    j.key(key).value(std::string_view(buf, n));
}

/// Writes `{"k":n,...}` for non-zero counts, count descending then key ascending.
void write_counts(json_writer& j, std::vector<std::pair<std::string_view, std::uint64_t>>& kv) {
    std::sort(kv.begin(), kv.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    j.begin_object();
    for (const auto& [k, n] : kv) {
        if (n != 0) {
            j.key(k).value(n);
        }
    }
    j.end_object();
}

void write_top(json_writer& j, std::string_view item_key, const std::vector<str_entry>& top) {
    j.begin_array();
    for (const str_entry& e : top) {
        j.begin_object().key(item_key).value(e.key).key("count").value(e.count).end_object();
    }
    j.end_array();
}

} // namespace

void write_window_record(std::string& out, std::string_view brand, millis start, millis end,
                         const brand_window& w,
                         const std::function<bool(std::string_view)>& skip_term) {
    constexpr std::size_t k_top = 10;
    json_writer j(out);
    j.begin_object();
    j.key("brand").value(brand);
    write_time(j, "window_start", start);
    write_time(j, "window_end", end);
    j.key("mentions").value(w.mentions);
    j.key("sentiment").begin_object();
    for (std::size_t i = 0; i < k_sentiment_names.size(); ++i) {
        j.key(k_sentiment_names[i]).value(w.sentiment[i]);
    }
    j.end_object();
    j.key("reach").value(w.reach);
    j.key("engagement").value(w.engagement);
    j.key("reposts").value(w.reposts);
    j.key("unique_authors").value(w.authors.estimate());

    std::vector<std::pair<std::string_view, std::uint64_t>> kv;
    kv.reserve(std::max(k_platform_count, w.languages.size()));
    for (std::size_t i = 0; i < k_platform_count; ++i) {
        kv.emplace_back(k_platform_names[i], w.platforms[i]);
    }
    j.key("platforms");
    write_counts(j, kv);
    kv.clear();
    for (const auto& [code, n] : w.languages) {
        kv.emplace_back(code.view(), n);
    }
    j.key("languages");
    write_counts(j, kv);

    std::vector<str_entry> top;
    w.hashtags.top(k_top, top, [](std::string_view) { return true; });
    j.key("top_hashtags");
    write_top(j, "tag", top);
    w.terms.top(k_top, top, [&](std::string_view t) { return !skip_term || !skip_term(t); });
    j.key("top_terms");
    write_top(j, "term", top);
    j.end_object();
}

} // namespace pulso
