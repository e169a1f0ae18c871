#include "pulso/window/brand_window.h"

#include <algorithm>
#include <tuple>

namespace pulso {
namespace {

/// A borrowed view of an evidence candidate, so a rejected one copies nothing.
struct evidence_ref {
    std::string_view id;
    std::string_view author;
    std::uint64_t followers;
    float score;
};

evidence_ref ref_of(const evidence_item& e) noexcept {
    return {e.id, e.author, e.followers, e.score};
}

bool ref_before(const evidence_ref& a, const evidence_ref& b) noexcept {
    if (a.followers != b.followers) {
        return a.followers > b.followers;
    }
    return std::tie(a.id, a.author, a.score) < std::tie(b.id, b.author, b.score);
}

} // namespace

brand_window::brand_window(const window_options& opts, window_scope scope)
    : hashtags(opts.sketch_capacity), terms(opts.sketch_capacity), clusters(k_cluster_capacity),
      influencer_followers_(opts.influencer_followers), scope_(scope) {
    languages.reserve(8);
    top_authors.reserve(k_evidence);
    negative_samples.reserve(k_evidence);
    samples.reserve(k_evidence);
    influencer_hits.reserve(k_evidence);
    spare_strings_.reserve(4 * k_evidence * 2);
}

bool brand_window::evidence_before(const evidence_item& a, const evidence_item& b) noexcept {
    return ref_before(ref_of(a), ref_of(b));
}

void brand_window::insert_evidence(std::vector<evidence_item>& list, std::string_view id,
                                   std::string_view author, std::uint64_t followers, float score,
                                   bool distinct_author) {
    const evidence_ref x{id, author, followers, score};
    if (list.size() == k_evidence && !ref_before(x, ref_of(list.back()))) {
        // Not better than the last kept: nor than any entry of the same author.
        return;
    }
    if (distinct_author) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (list[i].author != author) {
                continue;
            }
            if (!ref_before(x, ref_of(list[i]))) {
                return; // this author's kept mention is at least as good
            }
            list[i].id.assign(id);
            list[i].followers = followers;
            list[i].score = score;
            for (; i > 0 && ref_before(ref_of(list[i]), ref_of(list[i - 1])); --i) {
                std::swap(list[i], list[i - 1]);
            }
            return;
        }
    }
    std::size_t pos = 0;
    while (pos < list.size() && !ref_before(x, ref_of(list[pos]))) {
        ++pos;
    }
    if (pos >= k_evidence) {
        return;
    }
    if (list.size() < k_evidence) {
        evidence_item& e = list.emplace_back();
        if (spare_strings_.size() >= 2) {
            e.id = std::move(spare_strings_.back());
            spare_strings_.pop_back();
            e.author = std::move(spare_strings_.back());
            spare_strings_.pop_back();
        }
    }
    // The last element is either new or the one pushed out: overwrite it, rotate into place.
    evidence_item& e = list.back();
    e.id.assign(id);
    e.author.assign(author);
    e.followers = followers;
    e.score = score;
    std::rotate(list.begin() + static_cast<std::ptrdiff_t>(pos), list.end() - 1, list.end());
}

void brand_window::insert_evidence(std::vector<evidence_item>& list, const evidence_item& item,
                                   bool distinct_author) {
    insert_evidence(list, item.id, item.author, item.followers, item.score, distinct_author);
}

void brand_window::recycle(std::vector<evidence_item>& list) {
    for (evidence_item& e : list) {
        spare_strings_.push_back(std::move(e.id));
        spare_strings_.push_back(std::move(e.author));
    }
    list.clear();
}

void key_hashes::compute(const enriched_mention& em, std::vector<std::uint64_t>& storage) {
    storage.clear();
    for (const std::string_view h : em.hashtags) {
        storage.push_back(space_saving<std::string>::hash_key(h));
    }
    for (const std::string_view t : em.terms) {
        storage.push_back(space_saving<std::string>::hash_key(t));
    }
    hashtags = std::span<const std::uint64_t>(storage.data(), em.hashtags.size());
    terms = std::span<const std::uint64_t>(storage.data() + em.hashtags.size(), em.terms.size());
    author = hash64(em.m->author_id);
    cluster = space_saving<std::uint64_t>::hash_key(em.cluster_key);
}

void brand_window::prefetch(const key_hashes& kh) const noexcept {
    authors.prefetch(kh.author);
    for (const std::uint64_t h : kh.hashtags) {
        hashtags.prefetch(h);
    }
    for (const std::uint64_t h : kh.terms) {
        terms.prefetch(h);
    }
    if (scope_ == window_scope::brand) {
        clusters.prefetch(kh.cluster);
    }
}

void brand_window::prefetch_counters(const key_hashes& kh) const noexcept {
    for (const std::uint64_t h : kh.hashtags) {
        hashtags.prefetch_counter(h);
    }
    for (const std::uint64_t h : kh.terms) {
        terms.prefetch_counter(h);
    }
    hashtags.prefetch_victim();
    terms.prefetch_victim();
    if (scope_ == window_scope::brand) {
        clusters.prefetch_counter(kh.cluster);
        clusters.prefetch_victim();
    }
}

void brand_window::add(const enriched_mention& em) {
    std::array<std::uint64_t, 64> buf; // enough for typical mentions; larger ones hash twice
    const std::size_t n = em.hashtags.size() + em.terms.size();
    key_hashes kh;
    if (n <= buf.size()) {
        for (std::size_t i = 0; i < em.hashtags.size(); ++i) {
            buf[i] = space_saving<std::string>::hash_key(em.hashtags[i]);
        }
        for (std::size_t i = 0; i < em.terms.size(); ++i) {
            buf[em.hashtags.size() + i] = space_saving<std::string>::hash_key(em.terms[i]);
        }
        kh.hashtags = std::span<const std::uint64_t>(buf.data(), em.hashtags.size());
        kh.terms = std::span<const std::uint64_t>(buf.data() + em.hashtags.size(), em.terms.size());
        kh.author = hash64(em.m->author_id);
        kh.cluster = space_saving<std::uint64_t>::hash_key(em.cluster_key);
        add(em, kh);
        return;
    }
    std::vector<std::uint64_t> storage; // only for mentions with over 64 hashtags and terms
    kh.compute(em, storage);
    add(em, kh);
}

void brand_window::add(const enriched_mention& em, const key_hashes& kh) {
    const mention& m = *em.m;
    ++mentions;
    ++sentiment[static_cast<std::size_t>(em.sentiment)];
    reach += m.followers;
    engagement += m.engagement();
    reposts += m.has_repost_of ? 1U : 0U;
    score_sum += static_cast<double>(em.score);
    ++platforms[static_cast<std::size_t>(m.plat)];
    auto lang = std::find_if(languages.begin(), languages.end(),
                             [&](const auto& l) { return l.first == m.lang; });
    if (lang != languages.end()) {
        ++lang->second;
    } else {
        languages.emplace_back(m.lang, 1);
    }

    authors.add_hash(kh.author);
    for (std::size_t i = 0; i < em.hashtags.size(); ++i) {
        hashtags.add_hashed(em.hashtags[i], kh.hashtags[i]);
    }
    for (std::size_t i = 0; i < em.terms.size(); ++i) {
        terms.add_hashed(em.terms[i], kh.terms[i]);
    }
    if (scope_ == window_scope::all) {
        return; // clusters and evidence: see window_scope
    }
    clusters.add_hashed(em.cluster_key, kh.cluster);

    const std::string_view author = m.author_handle.empty() ? m.author_id : m.author_handle;
    insert_evidence(top_authors, m.id, author, m.followers, em.score, true);
    insert_evidence(samples, m.id, author, m.followers, em.score, false);
    if (em.sentiment == sentiment_class::negative) {
        insert_evidence(negative_samples, m.id, author, m.followers, em.score, false);
        if (m.followers >= influencer_followers_) {
            insert_evidence(influencer_hits, m.id, author, m.followers, em.score, false);
        }
    }
}

void brand_window::merge(const brand_window& other) {
    if (&other == this) {
        return;
    }
    mentions += other.mentions;
    for (std::size_t i = 0; i < sentiment.size(); ++i) {
        sentiment[i] += other.sentiment[i];
    }
    reach += other.reach;
    engagement += other.engagement;
    reposts += other.reposts;
    score_sum += other.score_sum;
    for (std::size_t i = 0; i < platforms.size(); ++i) {
        platforms[i] += other.platforms[i];
    }
    for (const auto& lang : other.languages) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        auto it = std::find_if(languages.begin(), languages.end(),
                               [&](const auto& l) { return l.first == lang.first; });
        if (it != languages.end()) {
            it->second += lang.second;
        } else {
            languages.push_back(lang);
        }
    }
    authors.merge(other.authors);
    hashtags.merge(other.hashtags);
    terms.merge(other.terms);
    clusters.merge(other.clusters);
    for (const evidence_item& e : other.top_authors) {
        insert_evidence(top_authors, e, true);
    }
    for (const evidence_item& e : other.samples) {
        insert_evidence(samples, e, false);
    }
    for (const evidence_item& e : other.negative_samples) {
        insert_evidence(negative_samples, e, false);
    }
    for (const evidence_item& e : other.influencer_hits) {
        insert_evidence(influencer_hits, e, false);
    }
}

void brand_window::reset() {
    mentions = 0;
    sentiment = {};
    reach = 0;
    engagement = 0;
    reposts = 0;
    score_sum = 0.0;
    platforms = {};
    languages.clear();
    authors.reset();
    hashtags.reset();
    terms.reset();
    clusters.reset();
    recycle(top_authors);
    recycle(negative_samples);
    recycle(samples);
    recycle(influencer_hits);
}

} // namespace pulso
