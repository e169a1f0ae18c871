// The optimised space_saving against a plain reference of the same algorithm: a binary
// min-heap of entry indices that reads counts from the entries, and a std::map for lookup.
// Like the engine's, the reference keeps no heap while it is exact: its first eviction builds
// one from the entries in their order (Floyd), and every later add maintains it.
// Which counter is evicted among equal counts, and the order of items(), are part of the
// engine's output, so they must match exactly, not just the Space-Saving guarantee.
#include "pulso/window/space_saving.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace pulso {
namespace {

template <class Key> class reference_space_saving {
  public:
    struct entry {
        Key key{};
        std::uint64_t count = 0;
        std::uint64_t error = 0;
    };

    explicit reference_space_saving(std::size_t capacity) : capacity_(capacity) {}

    void add(const Key& key, std::uint64_t n) {
        if (const auto it = where_.find(key); it != where_.end()) {
            entries_[it->second].count += n;
            if (!exact_) {
                sift_down(pos_[it->second]);
            }
            return;
        }
        if (entries_.size() < capacity_) {
            const auto idx = static_cast<std::uint32_t>(entries_.size());
            entries_.push_back(entry{key, n, 0});
            where_[key] = idx;
            if (!exact_) {
                heap_.push_back(idx);
                pos_.push_back(static_cast<std::uint32_t>(heap_.size() - 1));
                sift_up(heap_.size() - 1);
            }
            return;
        }
        if (exact_) {
            build_heap();
        }
        const std::uint32_t victim = heap_[0];
        entry& e = entries_[victim];
        where_.erase(e.key);
        e.key = key;
        e.error = e.count;
        e.count += n;
        where_[key] = victim;
        sift_down(0);
        exact_ = false;
    }

    void merge(const reference_space_saving& other) {
        if (other.entries_.empty()) {
            return;
        }
        const std::uint64_t m_self = absent_bound();
        const std::uint64_t m_other = other.absent_bound();
        const std::size_t held = entries_.size();
        for (std::size_t i = 0; i < held; ++i) {
            entry& e = entries_[i];
            if (const auto it = other.where_.find(e.key); it != other.where_.end()) {
                e.count += other.entries_[it->second].count;
                e.error += other.entries_[it->second].error;
            } else {
                e.count += m_other;
                e.error += m_other;
            }
        }
        for (const entry& o : other.entries_) {
            if (where_.count(o.key) != 0) {
                continue;
            }
            entries_.push_back(entry{o.key, o.count + m_self, o.error + m_self});
        }
        if (entries_.size() > capacity_) {
            std::vector<entry> ranked = entries_;
            std::sort(ranked.begin(), ranked.end(), [](const entry& a, const entry& b) {
                return a.count != b.count ? a.count > b.count : a.key < b.key;
            });
            std::map<Key, bool> keep;
            for (std::size_t i = 0; i < capacity_; ++i) {
                keep[ranked[i].key] = true;
            }
            std::vector<entry> kept;
            for (const entry& e : entries_) {
                if (keep.count(e.key) != 0) {
                    kept.push_back(e);
                }
            }
            entries_ = std::move(kept);
            exact_ = false;
        } else {
            exact_ = exact_ && other.exact_;
        }
        where_.clear();
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            where_[entries_[i].key] = static_cast<std::uint32_t>(i);
        }
        heap_.clear();
        pos_.clear();
        if (!exact_) {
            build_heap();
        }
    }

    [[nodiscard]] std::uint64_t absent_bound() const {
        return exact_ || entries_.empty() ? 0 : entries_[heap_[0]].count;
    }
    [[nodiscard]] bool exact() const { return exact_; }
    [[nodiscard]] const std::vector<entry>& entries() const { return entries_; }

  private:
    void build_heap() {
        heap_.clear();
        pos_.assign(entries_.size(), 0);
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            heap_.push_back(static_cast<std::uint32_t>(i));
            pos_[i] = static_cast<std::uint32_t>(i);
        }
        for (std::size_t i = entries_.size() / 2; i-- > 0;) {
            sift_down(i);
        }
    }
    bool less(std::uint32_t a, std::uint32_t b) const {
        return entries_[a].count < entries_[b].count;
    }
    void place(std::size_t pos, std::uint32_t idx) {
        heap_[pos] = idx;
        pos_[idx] = static_cast<std::uint32_t>(pos);
    }
    void sift_up(std::size_t pos) {
        const std::uint32_t idx = heap_[pos];
        while (pos > 0) {
            const std::size_t parent = (pos - 1) / 2;
            if (!less(idx, heap_[parent])) {
                break;
            }
            place(pos, heap_[parent]);
            pos = parent;
        }
        place(pos, idx);
    }
    void sift_down(std::size_t pos) {
        const std::uint32_t idx = heap_[pos];
        const std::size_t n = heap_.size();
        for (;;) {
            std::size_t child = 2 * pos + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && less(heap_[child + 1], heap_[child])) {
                ++child;
            }
            if (!less(heap_[child], idx)) {
                break;
            }
            place(pos, heap_[child]);
            pos = child;
        }
        place(pos, idx);
    }

    std::size_t capacity_;
    std::vector<entry> entries_;
    std::vector<std::uint32_t> heap_;
    std::vector<std::uint32_t> pos_;
    std::map<Key, std::uint32_t> where_;
    bool exact_ = true;
};

std::size_t zipf(std::mt19937_64& rng, std::size_t n) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double x = std::pow(static_cast<double>(n), u(rng));
    return std::min(n - 1, static_cast<std::size_t>(x) - 1);
}

template <class Key> Key make_key(std::mt19937_64& rng, std::size_t distinct) {
    const std::size_t i = zipf(rng, distinct);
    if constexpr (std::is_same_v<Key, std::string>) {
        // Some keys longer than the small-string buffer, so buffer reuse is exercised.
        return test::cat(i % 7 == 0 ? "#a-rather-long-hashtag-" : "#t", i);
    } else {
        return static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
    }
}

template <class Key>
void expect_same(const space_saving<Key>& got, const reference_space_saving<Key>& want,
                 const char* where) {
    const auto items = got.items();
    ASSERT_EQ(items.size(), want.entries().size()) << where;
    for (std::size_t i = 0; i < items.size(); ++i) {
        ASSERT_EQ(items[i].key, want.entries()[i].key) << where << " item " << i;
        ASSERT_EQ(items[i].count, want.entries()[i].count) << where << " item " << i;
        ASSERT_EQ(items[i].error, want.entries()[i].error) << where << " item " << i;
        ASSERT_EQ(items[i].hash, space_saving<Key>::hash_key(items[i].key)) << where;
    }
    ASSERT_EQ(got.absent_bound(), want.absent_bound()) << where;
    ASSERT_EQ(got.exact(), want.exact()) << where;
    std::uint64_t max_count = 0;
    for (const auto& e : want.entries()) {
        max_count = std::max(max_count, e.count);
    }
    ASSERT_EQ(got.max_count(), max_count) << where;
}

template <class Key> void run_against_reference(const char* name) {
    const std::uint64_t seed = test::test_seed(name);
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 60; ++iter) {
        const std::size_t k = iter % 3 == 0 ? 1 + rng() % 8 : 1 + rng() % 300;
        const std::size_t distinct = 1 + rng() % (4 * k + 50);
        space_saving<Key> a(k);
        space_saving<Key> b(k);
        // Reused sketches (reset keeps buffers) must behave like new ones.
        for (int round = 0; round < 3; ++round) {
            reference_space_saving<Key> ra(k);
            reference_space_saving<Key> rb(k);
            a.reset();
            b.reset();
            const std::size_t n = rng() % 4000;
            for (std::size_t i = 0; i < n; ++i) {
                const Key key = make_key<Key>(rng, distinct);
                const std::uint64_t c = rng() % 4 == 0 ? 1 + rng() % 5 : 1;
                if (rng() % 3 == 0) {
                    b.add(key, c);
                    rb.add(key, c);
                } else {
                    a.add(key, c);
                    ra.add(key, c);
                }
                if (i % 257 == 0) {
                    expect_same(a, ra, "during adds");
                }
            }
            expect_same(a, ra, "after adds (a)");
            expect_same(b, rb, "after adds (b)");
            a.merge(b);
            ra.merge(rb);
            expect_same(a, ra, "after merge");
            // Adds after a merge: an inexact result goes on from the rebuilt heap, an exact
            // one builds its heap at its first eviction.
            for (std::size_t i = 0; i < n / 4; ++i) {
                const Key key = make_key<Key>(rng, distinct);
                a.add(key, 1);
                ra.add(key, 1);
            }
            expect_same(a, ra, "after merge and adds");
        }
    }
}

// The publisher's case: many small partials folded into one growing base, most of them exact
// and fitting (the O(other) path), some not; then adds that evict, from the heap an inexact
// base keeps or one that an exact base builds at its first eviction.
template <class Key> void run_partials_against_reference(const char* name) {
    const std::uint64_t seed = test::test_seed(name);
    std::mt19937_64 rng(seed);
    for (int iter = 0; iter < 40; ++iter) {
        const std::size_t k = 1 + rng() % 200;
        const std::size_t distinct = 1 + rng() % (2 * k + 20);
        space_saving<Key> base(k);
        reference_space_saving<Key> rbase(k);
        const std::size_t partials = 1 + rng() % 64;
        for (std::size_t p = 0; p < partials; ++p) {
            space_saving<Key> part(k);
            reference_space_saving<Key> rpart(k);
            const std::size_t n = rng() % (rng() % 4 == 0 ? 4 * k : k / 4 + 2);
            for (std::size_t i = 0; i < n; ++i) {
                const Key key = make_key<Key>(rng, distinct);
                const std::uint64_t c = 1 + rng() % 3;
                part.add(key, c);
                rpart.add(key, c);
            }
            base.merge(part);
            rbase.merge(rpart);
            expect_same(base, rbase, "after a partial");
        }
        for (std::size_t i = 0; i < 3 * k; ++i) {
            const Key key = make_key<Key>(rng, 4 * distinct);
            base.add(key, 1);
            rbase.add(key, 1);
        }
        expect_same(base, rbase, "after adds that follow the partials");
    }
}

TEST(SpaceSaving, StringPartialsMatchReferenceExactly) {
    run_partials_against_reference<std::string>("SpaceSaving.StringPartialsMatchReferenceExactly");
}

TEST(SpaceSaving, U64PartialsMatchReferenceExactly) {
    run_partials_against_reference<std::uint64_t>("SpaceSaving.U64PartialsMatchReferenceExactly");
}

TEST(SpaceSaving, StringMatchesReferenceExactly) {
    run_against_reference<std::string>("SpaceSaving.StringMatchesReferenceExactly");
}

TEST(SpaceSaving, U64MatchesReferenceExactly) {
    run_against_reference<std::uint64_t>("SpaceSaving.U64MatchesReferenceExactly");
}

} // namespace
} // namespace pulso
