#pragma once

#include "pulso/window/brand_window.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace pulso::test {

inline std::string dump(const std::vector<evidence_item>& v) {
    std::string s;
    for (const auto& e : v) {
        s += e.id + "/" + e.author + "/" + std::to_string(e.followers) + "/" +
             std::to_string(e.score) + " ";
    }
    return s;
}

struct expected_evidence {
    std::vector<evidence_item> top_authors, samples, negative_samples, influencer_hits;
};

inline std::vector<evidence_item> best5(std::vector<evidence_item> v) {
    std::sort(v.begin(), v.end(), brand_window::evidence_before);
    v.resize(std::min<std::size_t>(v.size(), brand_window::k_evidence));
    return v;
}

/// Brute force: sort everything, take five (top_authors: each author's best mention only).
template <class MentionPtrs>
expected_evidence reference_evidence(const MentionPtrs& ms, std::uint64_t influencer_followers) {
    expected_evidence x;
    std::vector<evidence_item> all, neg, infl;
    std::map<std::string, evidence_item> best_by_author;
    for (const owned_mention* m : ms) {
        const evidence_item e{m->id, m->author_key(), m->followers, m->score};
        all.push_back(e);
        if (m->cls() == sentiment_class::negative) {
            neg.push_back(e);
            if (m->followers >= influencer_followers) {
                infl.push_back(e);
            }
        }
        auto [it, fresh] = best_by_author.try_emplace(e.author, e);
        if (!fresh && brand_window::evidence_before(e, it->second)) {
            it->second = e;
        }
    }
    std::vector<evidence_item> authors;
    for (auto& [a, e] : best_by_author) {
        authors.push_back(e);
    }
    x.top_authors = best5(authors);
    x.samples = best5(all);
    x.negative_samples = best5(neg);
    x.influencer_hits = best5(infl);
    return x;
}

inline void expect_evidence(const brand_window& w, const expected_evidence& x) {
    EXPECT_EQ(dump(w.top_authors), dump(x.top_authors));
    EXPECT_EQ(dump(w.samples), dump(x.samples));
    EXPECT_EQ(dump(w.negative_samples), dump(x.negative_samples));
    EXPECT_EQ(dump(w.influencer_hits), dump(x.influencer_hits));
}

} // namespace pulso::test
