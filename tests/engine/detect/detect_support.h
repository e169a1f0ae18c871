#pragma once

#include "pulso/detect/detector.h"
#include "pulso/window/partition_windows.h"

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulso::test {

inline constexpr millis k_t0 = 1'795'665'600'000; // 2026-11-26T04:00:00Z
inline constexpr millis k_minute = 60'000;

/// The seed of randomised tests: PULSO_SEED when set, else `fallback`. Printed by callers.
inline std::uint64_t test_seed(std::uint64_t fallback) {
    if (const char* env = std::getenv("PULSO_SEED"); env != nullptr && *env != '\0') {
        return std::strtoull(env, nullptr, 10);
    }
    return fallback;
}

/// What one brand (or `*`) had in a synthetic window.
struct spec {
    std::uint64_t mentions = 0;
    std::uint64_t negatives = 0;
    std::uint64_t authors = ~std::uint64_t{0}; ///< distinct authors; default = mentions
    std::uint64_t cluster = 0;                 ///< size of the largest cluster (0: all distinct)
    std::vector<std::pair<std::string, std::uint64_t>> hashtags;
    std::vector<std::pair<std::string, std::uint64_t>> terms;
    std::uint64_t influencer = 0; ///< followers of one negative influencer mention (0: none)
};

/// Fills a brand_window by hand (counters, authors, sketches, evidence).
inline void fill(brand_window& bw, const spec& s, std::uint64_t salt) {
    bw.mentions = s.mentions;
    bw.sentiment[static_cast<std::size_t>(sentiment_class::negative)] = s.negatives;
    bw.sentiment[static_cast<std::size_t>(sentiment_class::neutral)] = s.mentions - s.negatives;
    bw.reach = s.mentions * 800;
    const std::uint64_t authors = s.authors == ~std::uint64_t{0} ? s.mentions : s.authors;
    for (std::uint64_t i = 0; i < authors; ++i) {
        bw.authors.add_hash(mix64(salt * 1'000'003 + i + 1));
    }
    if (s.cluster > 0) {
        bw.clusters.add(salt, s.cluster);
    } else if (s.mentions > 0) {
        bw.clusters.add(salt + 1, 1);
    }
    for (const auto& [k, n] : s.hashtags) {
        bw.hashtags.add(k, n);
    }
    for (const auto& [k, n] : s.terms) {
        bw.terms.add(k, n);
    }
    if (s.influencer > 0) {
        evidence_item e{"m-influencer-" + std::to_string(salt), "@bigvoice", s.influencer, -0.8F};
        bw.influencer_hits.push_back(e);
        bw.negative_samples.push_back(e);
        bw.top_authors.push_back(e);
    }
}

/// A merged window: `brands` by id (only those with mentions are kept, as the merger does);
/// `all` is filled from `all_spec`.
inline window_partial make_window(millis start, const window_options& o,
                                  const std::vector<std::pair<std::uint32_t, spec>>& brands,
                                  const spec* all_spec = nullptr) {
    window_partial p;
    p.start = start;
    p.end = start + o.size;
    p.partition = -1;
    if (all_spec != nullptr) {
        p.all = std::make_unique<brand_window>(o);
        fill(*p.all, *all_spec, static_cast<std::uint64_t>(start));
    }
    for (const auto& [id, s] : brands) {
        if (s.mentions == 0) {
            continue;
        }
        auto bw = std::make_unique<brand_window>(o);
        fill(*bw, s, static_cast<std::uint64_t>(start) * 131 + id);
        p.brands.emplace_back(id, std::move(bw));
    }
    return p;
}

/// One alert or trend record as the tests read it.
struct record {
    bool alert = false;
    std::string key;
    std::string json;
};

/// Keeps every record the detector emits.
class capture final : public detection_sink {
  public:
    void trend(std::string_view scope, std::string_view json) override {
        records.push_back({false, std::string(scope), std::string(json)});
    }
    void alert(std::string_view brand, std::string_view json) override {
        records.push_back({true, std::string(brand), std::string(json)});
    }
    std::vector<record> records;
};

/// A field of a JSON object as text (strings unquoted, numbers as written); "" when absent.
inline std::string field(std::string_view json, std::string_view key) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
        return "<invalid json>";
    }
    simdjson::dom::element v;
    if (doc.at_key(key).get(v) != simdjson::SUCCESS) {
        return {};
    }
    if (v.is_string()) {
        return std::string(std::string_view(v.get_string().value()));
    }
    return simdjson::minify(v);
}

/// The top-level keys of a JSON object, in order.
inline std::vector<std::string> keys_of(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    std::vector<std::string> out;
    if (parser.parse(json.data(), json.size()).get(obj) != simdjson::SUCCESS) {
        return out;
    }
    for (const auto kv : obj) {
        out.emplace_back(kv.key);
    }
    return out;
}

/// Exact Poisson draw (Knuth's product method, over chunks of mean ≤ 20 whose draws add up);
/// our own so results do not depend on the standard library's distributions.
inline std::uint64_t poisson(std::mt19937_64& rng, double mean) {
    std::uint64_t total = 0;
    while (mean > 0.0) {
        const double m = std::min(mean, 20.0);
        mean -= m;
        const double l = std::exp(-m);
        std::uint64_t k = 0;
        double p = 1.0;
        for (;;) {
            p *= static_cast<double>(rng() >> 11) * 0x1.0p-53;
            if (p <= l) {
                break;
            }
            ++k;
        }
        total += k;
    }
    return total;
}

} // namespace pulso::test
