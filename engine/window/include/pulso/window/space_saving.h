#pragma once

#include "pulso/core/assert.h"
#include "pulso/core/hash.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pulso {

namespace detail {

/// Allocator for cache-line-aligned counters that takes its memory from plain operator new
/// and aligns inside the block (64 bytes spare per allocation, the original pointer kept just
/// before the aligned block). The aligned operator new goes to glibc's memalign, which carves
/// each small block out of a larger chunk and hands the leading and trailing pieces back to
/// its free lists for unrelated small allocations; with thousands of small sketches (one per
/// brand and window) detection per window at 10,000 brands ran 2x slower (bench/detect) from
/// that alone (see the module README).
template <class T> struct line_allocator {
    using value_type = T;
    static constexpr std::size_t k_line = 64;
    static_assert(alignof(T) <= k_line);

    line_allocator() = default;
    template <class U> explicit line_allocator(const line_allocator<U>& /*other*/) noexcept {}

    T* allocate(std::size_t n) {
        // operator new gives 16-byte alignment: at most 48 bytes to skip, and 8 hold `raw`.
        void* raw = ::operator new(n * sizeof(T) + k_line);
        const std::uintptr_t at =
            (reinterpret_cast<std::uintptr_t>(raw) + sizeof(void*) + k_line - 1) &
            ~std::uintptr_t{k_line - 1};
        void** const block = reinterpret_cast<void**>(at);
        block[-1] = raw;
        return reinterpret_cast<T*>(block);
    }
    void deallocate(T* p, std::size_t /*n*/) noexcept {
        ::operator delete(reinterpret_cast<void**>(p)[-1]);
    }
    template <class U> bool operator==(const line_allocator<U>& /*other*/) const noexcept {
        return true;
    }
};

/// `a == b` for keys of equal length `n`, inline: keys are mostly short (hashtags and terms),
/// where a call to memcmp costs more than the comparison. Reads only bytes [0, n) of each.
[[nodiscard]] inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    const auto load8 = [](const char* p) {
        std::uint64_t v;
        __builtin_memcpy(&v, p, 8);
        return v;
    };
    const auto load4 = [](const char* p) {
        std::uint32_t v;
        __builtin_memcpy(&v, p, 4);
        return v;
    };
    if (n >= 8) {
        if (n > 16) {
            return __builtin_memcmp(a, b, n) == 0;
        }
        // Two overlapping 8-byte words cover 8..16 bytes.
        return ((load8(a) ^ load8(b)) | (load8(a + n - 8) ^ load8(b + n - 8))) == 0;
    }
    if (n >= 4) {
        return ((load4(a) ^ load4(b)) | (load4(a + n - 4) ^ load4(b + n - 4))) == 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

/// Key equality for the probe: the length first, then the bytes (same_bytes).
[[nodiscard]] inline bool keys_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
}
[[nodiscard]] inline bool keys_equal(std::uint64_t a, std::uint64_t b) noexcept {
    return a == b;
}

} // namespace detail

/// Space-Saving top-K (Metwally et al. 2005) with at most `capacity` counters.
///
/// Exact while at most `capacity` distinct keys were seen. Above that each counter
/// over-estimates: `count - error <= true count <= count`, and any key not held has a true
/// count <= min_count(). Lookup is O(1) average through an open-addressing index (linear
/// probing, backward-shift deletion, load ≤ 1/2). The smallest counter, needed only to evict,
/// is the root of an indexed min-heap that an exact sketch does not keep: the first eviction
/// builds it from the counters in their order (Floyd), and from then on an update is
/// O(log k). So a sketch that never fills — most of them, one per input partition, brand and
/// window — pays a probe and an increment per add, no sift. The heap keeps each node's count
/// beside its entry index and the heap positions in their own array, so sifting reads and
/// writes only those dense arrays, never the (cache-cold) counters; which counter is evicted
/// among equal counts is a function of the sequence of adds and merges alone, and part of
/// the output.
///
/// Merging follows the mergeable-summaries rule (Agarwal et al. 2012; Cafaro et al.): a key
/// absent from a summary that has evicted is given that summary's minimum as both count and
/// error, counts and errors add, and the `capacity` largest (count desc, key asc) are kept.
/// The guarantee above holds after any sequence of adds and merges; a merge of two exact
/// summaries whose union fits is exact. That case costs O(other) — it visits only the other
/// summary's keys — so folding many small partials into one window does not rebuild the
/// growing base once per partial; its counters end in the general path's order.
///
/// Steady state allocates nothing: counters past size() stay constructed so std::string keys
/// keep their buffers when overwritten, and reset() keeps every buffer. merge() may allocate.
/// @thread owner
template <class Key> class space_saving {
    static_assert(std::is_same_v<Key, std::string> || std::is_same_v<Key, std::uint64_t>,
                  "space_saving supports std::string and std::uint64_t keys");

  public:
    using key_view =
        std::conditional_t<std::is_same_v<Key, std::string>, std::string_view, std::uint64_t>;

    /// One counter; `hash` is hash_key(key). String counters take one cache line each
    /// (key bytes up to 15 sit in the small-string buffer), so a lookup that hits touches one
    /// line of the counters.
    struct alignas(std::is_same_v<Key, std::string> ? 64 : 8) counter {
        Key key{};
        std::uint64_t count = 0;
        std::uint64_t error = 0; ///< over-estimation bound: count - error <= true count
        std::uint64_t hash = 0;
    };
    // alignas: one line per string counter (the probe reads hash, key and count together).
    static_assert(!std::is_same_v<Key, std::string> || sizeof(counter) == 64);

    /// A borrowed view of one counter, valid until the sketch is next modified.
    struct entry_view {
        key_view key{};
        std::uint64_t count = 0;
        std::uint64_t error = 0;
    };

    explicit space_saving(std::size_t capacity = 1000) : capacity_(capacity) {
        PULSO_ASSERT(capacity >= 1 && capacity < (std::size_t{1} << 30),
                     "space_saving capacity {} out of range", capacity);
    }

    /// Counts `count` occurrences of `key`.
    void add(key_view key, std::uint64_t count = 1) { add_hashed(key, hash_key(key), count); }
    /// add() with `h == hash_key(key)` computed by the caller (once for several sketches).
    void add_hashed(key_view key, std::uint64_t h, std::uint64_t count = 1);
    /// Hints the cache about the index slot `h` probes first (no effect on results).
    void prefetch(std::uint64_t h) const noexcept {
        if (!index_.empty()) {
            __builtin_prefetch(&index_[static_cast<std::uint32_t>(h) & (index_.size() - 1)]);
        }
    }
    /// Hints the cache about the counter of the key of hash `h`, when the index holds one
    /// (the first few slots of its probe sequence are looked at); call after prefetch().
    void prefetch_counter(std::uint64_t h) const noexcept {
        if (index_.empty()) {
            return;
        }
        const std::size_t mask = index_.size() - 1;
        const auto hlo = static_cast<std::uint32_t>(h);
        std::size_t i = hlo & mask;
        for (int n = 0; n < 4; ++n) { // load <= 1/2: probe sequences are short
            const slot s = index_[i];
            if (s.idx1 == 0) {
                return; // absent: an insert, or an eviction (prefetch_victim)
            }
            if (s.hlo == hlo) {
                __builtin_prefetch(&entries_[s.idx1 - 1]);
                if (!exact_) {
                    __builtin_prefetch(&heap_pos_[s.idx1 - 1]); // read by the increment's sift
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }
    /// Hints the cache about what the next eviction touches first, once the sketch is full:
    /// the counter it overwrites (the heap root) and that key's home slot in the index.
    /// No effect on results.
    void prefetch_victim() const noexcept {
        if (size_ == capacity_ && !exact_) {
            __builtin_prefetch(&entries_[heap_[0].idx]);
            __builtin_prefetch(&index_[heap_[0].hlo & (index_.size() - 1)]);
        }
    }
    /// Adds another summary (of a disjoint stream) into this one.
    void merge(const space_saving& other);

    /// The `n` largest counters, count descending then key ascending.
    [[nodiscard]] std::vector<entry_view> top(std::size_t n) const {
        std::vector<entry_view> out;
        top(n, out, [](key_view) { return true; });
        return out;
    }
    /// The `n` largest counters whose key passes `keep`, count descending then key ascending,
    /// into `out` (cleared first; its capacity is reused).
    template <class Keep> void top(std::size_t n, std::vector<entry_view>& out, Keep&& keep) const {
        out.clear();
        for (std::size_t i = 0; i < size_; ++i) {
            const counter& c = entries_[i];
            if (keep(key_view(c.key))) {
                out.push_back(entry_view{key_view(c.key), c.count, c.error});
            }
        }
        const auto by_rank = [](const entry_view& a, const entry_view& b) {
            return a.count != b.count ? a.count > b.count : a.key < b.key;
        };
        const std::size_t k = std::min(n, out.size());
        std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(),
                          by_rank);
        out.resize(k);
    }

    /// Every counter held, in no particular order.
    [[nodiscard]] std::span<const counter> items() const noexcept {
        return {entries_.data(), size_};
    }
    /// The counter for `key`, or nullptr when it is not held.
    [[nodiscard]] const counter* find(key_view key) const noexcept {
        if (index_.empty()) {
            return nullptr;
        }
        const auto [pos, idx] = probe(key, hash_key(key));
        (void)pos;
        return idx == k_none ? nullptr : &entries_[idx];
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// True while every count is exact (nothing was ever evicted or pruned).
    [[nodiscard]] bool exact() const noexcept { return exact_; }
    /// Largest count held (0 when empty).
    [[nodiscard]] std::uint64_t max_count() const noexcept { return max_count_; }
    /// Upper bound of the true count of any key not held: 0 while exact, else the smallest
    /// count held.
    [[nodiscard]] std::uint64_t absent_bound() const noexcept {
        // An inexact sketch keeps its heap (only an exact one leaves it unbuilt).
        return exact_ || size_ == 0 ? 0 : heap_[0].count;
    }
    /// Empties the sketch, keeping its capacity and buffers.
    void reset() noexcept {
        size_ = 0;
        heap_.clear();
        heap_pos_.clear();
        index_.clear();
        exact_ = true;
        unprepared_ = true;
        max_count_ = 0;
    }

    static std::uint64_t hash_key(key_view k) noexcept {
        if constexpr (std::is_same_v<Key, std::string>) {
            return hash64(k);
        } else {
            return mix64(k ^ 0x9E3779B97F4A7C15ULL);
        }
    }

  private:
    struct slot {
        std::uint32_t idx1 = 0; ///< entry index + 1; 0 = empty
        std::uint32_t hlo = 0;  ///< low 32 bits of the hash (home slot and quick reject)
    };
    /// One heap node: an entry index with a copy of its count (sifting compares counts
    /// without touching the counters).
    struct heap_node {
        std::uint64_t count = 0;
        std::uint32_t idx = 0;
        std::uint32_t hlo = 0; ///< low hash bits of the entry (its home slot), in the padding
    };
    static_assert(sizeof(heap_node) == 16);
    static constexpr std::size_t k_none = ~std::size_t{0};
    static constexpr std::size_t k_min_slots = 16;

    static void set_key(counter& c, key_view k) {
        if constexpr (std::is_same_v<Key, std::string>) {
            c.key.assign(k.data(), k.size()); // reuses the buffer when it is large enough
        } else {
            c.key = k;
        }
    }

    /// Slot of `key` (and its entry index), or the empty slot that ends its probe sequence
    /// (and k_none).
    [[nodiscard]] std::pair<std::size_t, std::size_t> probe(key_view key,
                                                            std::uint64_t h) const noexcept {
        const std::size_t mask = index_.size() - 1;
        const auto hlo = static_cast<std::uint32_t>(h);
        std::size_t i = hlo & mask;
        for (;;) {
            const slot s = index_[i];
            if (s.idx1 == 0) {
                return {i, k_none};
            }
            if (s.hlo == hlo) {
                const counter& c = entries_[s.idx1 - 1];
                if (c.hash == h && detail::keys_equal(key_view(c.key), key)) {
                    return {i, s.idx1 - 1};
                }
            }
            i = (i + 1) & mask;
        }
    }

    void index_insert(std::size_t idx) noexcept {
        const std::size_t mask = index_.size() - 1;
        const auto hlo = static_cast<std::uint32_t>(entries_[idx].hash);
        std::size_t i = hlo & mask;
        while (index_[i].idx1 != 0) {
            i = (i + 1) & mask;
        }
        index_[i] = slot{static_cast<std::uint32_t>(idx + 1), hlo};
    }

    /// Removes entry `idx` from the index (backward-shift deletion keeps probes unbroken).
    void index_erase(std::size_t idx) noexcept {
        const std::size_t mask = index_.size() - 1;
        std::size_t i = static_cast<std::uint32_t>(entries_[idx].hash) & mask;
        while (index_[i].idx1 != idx + 1) {
            i = (i + 1) & mask;
        }
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (index_[j].idx1 == 0) {
                break;
            }
            const std::size_t home = index_[j].hlo & mask;
            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                index_[i] = index_[j];
                i = j;
            }
        }
        index_[i] = slot{};
    }

    /// Doubles the index when one more entry would take its load past 1/2.
    void reserve_one_more() {
        if ((size_ + 1) * 2 > index_.size()) {
            const std::size_t slots = index_.size() * 2;
            index_.assign(slots, slot{});
            for (std::size_t i = 0; i < size_; ++i) {
                index_insert(i);
            }
        }
    }

    /// Rebuilds the index for size_ entries (load ≤ 1/2).
    void rebuild_index() {
        std::size_t slots = k_min_slots;
        while (slots < 2 * size_) {
            slots *= 2;
        }
        index_.assign(slots, slot{});
        for (std::size_t i = 0; i < size_; ++i) {
            index_insert(i);
        }
    }

    /// Puts `node` at heap position `pos`.
    void heap_place(std::size_t pos, const heap_node& node) noexcept {
        heap_[pos] = node;
        heap_pos_[node.idx] = static_cast<std::uint32_t>(pos);
    }
    void sift_up(std::size_t pos) noexcept {
        const heap_node node = heap_[pos];
        while (pos > 0) {
            const std::size_t parent = (pos - 1) / 2;
            if (!(node.count < heap_[parent].count)) {
                break;
            }
            heap_place(pos, heap_[parent]);
            pos = parent;
        }
        heap_place(pos, node);
    }
    void sift_down(std::size_t pos) noexcept {
        const heap_node node = heap_[pos];
        const std::uint64_t count = node.count;
        const std::size_t n = heap_.size();
        for (;;) {
            std::size_t child = 2 * pos + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && heap_[child + 1].count < heap_[child].count) {
                ++child;
            }
            if (!(heap_[child].count < count)) {
                break;
            }
            heap_place(pos, heap_[child]);
            pos = child;
        }
        heap_place(pos, node);
    }
    void rebuild_heap() {
        heap_.resize(size_);
        heap_pos_.resize(size_);
        for (std::size_t i = 0; i < size_; ++i) {
            heap_place(i, heap_node{entries_[i].count, static_cast<std::uint32_t>(i),
                                    static_cast<std::uint32_t>(entries_[i].hash)});
        }
        for (std::size_t i = size_ / 2; i-- > 0;) {
            sift_down(i);
        }
    }

    /// Makes entries_[size_] available (constructing it only the first time) and returns it.
    counter& append_entry() {
        if (size_ == entries_.size()) {
            entries_.emplace_back();
        }
        return entries_[size_++];
    }

    std::size_t capacity_;
    std::size_t size_ = 0;
    /// [0, size_) live; the rest dormant (buffers kept). Line-aligned without memalign.
    std::vector<counter, detail::line_allocator<counter>> entries_;
    std::vector<heap_node> heap_;         ///< min-heap by count; size_ nodes
    std::vector<std::uint32_t> heap_pos_; ///< by entry index: its position in heap_
    std::vector<slot> index_;             ///< open addressing, power-of-two size
    std::uint64_t max_count_ = 0;
    /// Also says whether heap_ and heap_pos_ describe entries_: an exact sketch never needs
    /// its minimum (nothing is evicted and absent keys count 0), so it keeps no heap; the
    /// first eviction builds it from entries_ (rebuild_heap) and every later add keeps it.
    bool exact_ = true;

    /// True when the next add must run prepare() first.
    bool unprepared_ = true;

    /// merge() of two exact summaries whose union fits: returns false, changing nothing, when
    /// it does not fit.
    bool merge_exact(const space_saving& other);

    /// Before the first add after construction or reset(): an index to probe.
    void prepare() {
        if (index_.empty()) {
            index_.resize(k_min_slots); // within capacity after reset(): no allocation
            if (heap_.capacity() == 0) {
                // A new sketch: room for what the first index holds at once, instead of
                // growing each array 1, 2, 4, 8 (a sketch per partition, brand and window
                // meets few keys).
                const std::size_t first = std::min(capacity_, k_min_slots / 2);
                entries_.reserve(first);
            }
        }
        unprepared_ = false;
    }
};

template <class Key>
void space_saving<Key>::add_hashed(key_view key, std::uint64_t h, std::uint64_t count) {
    if (unprepared_) [[unlikely]] {
        prepare();
    }
    const std::size_t idx = probe(key, h).second;
    if (idx != k_none) {
        counter& c = entries_[idx];
        c.count += count;
        max_count_ = std::max(max_count_, c.count);
        if (!exact_) {
            const std::uint32_t pos = heap_pos_[idx];
            heap_[pos].count = c.count;
            sift_down(pos);
        }
        return;
    }
    if (size_ < capacity_) {
        reserve_one_more();
        const std::size_t new_idx = size_;
        counter& c = append_entry();
        set_key(c, key);
        c.count = count;
        c.error = 0;
        c.hash = h;
        index_insert(new_idx);
        if (!exact_) {
            heap_.push_back(heap_node{count, static_cast<std::uint32_t>(new_idx),
                                      static_cast<std::uint32_t>(h)});
            heap_pos_.push_back(static_cast<std::uint32_t>(heap_.size() - 1)); // [new_idx]
            sift_up(heap_.size() - 1);
        }
        max_count_ = std::max(max_count_, count);
        return;
    }
    // Full: the smallest counter takes the new key; its count becomes the new key's error.
    if (exact_) {
        rebuild_heap(); // the first eviction: the heap starts here (see exact_)
    }
    const std::uint32_t victim = heap_[0].idx;
    index_erase(victim);
    counter& c = entries_[victim];
    set_key(c, key);
    c.hash = h;
    c.error = c.count;
    c.count += count;
    index_insert(victim);
    heap_[0].count = c.count;
    heap_[0].hlo = static_cast<std::uint32_t>(h);
    sift_down(0);
    max_count_ = std::max(max_count_, c.count);
    exact_ = false;
}

template <class Key> void space_saving<Key>::merge(const space_saving& other) {
    PULSO_ASSERT(&other != this, "space_saving::merge with itself");
    if (other.size_ == 0) {
        return;
    }
    if (index_.empty()) {
        index_.resize(k_min_slots);
    }
    if (exact_ && other.exact_ && merge_exact(other)) {
        return;
    }
    const std::uint64_t m_self = absent_bound();
    const std::uint64_t m_other = other.absent_bound();
    const std::size_t held = size_;
    for (std::size_t i = 0; i < held; ++i) {
        counter& c = entries_[i];
        const counter* o = other.find(key_view(c.key));
        if (o != nullptr) {
            c.count += o->count;
            c.error += o->error;
        } else {
            c.count += m_other;
            c.error += m_other;
        }
    }
    for (std::size_t i = 0; i < other.size_; ++i) {
        const counter& o = other.entries_[i];
        if (probe(key_view(o.key), o.hash).second != k_none) {
            continue; // already combined above (the index covers [0, held) only)
        }
        counter& c = append_entry();
        set_key(c, key_view(o.key));
        c.count = o.count + m_self;
        c.error = o.error + m_self;
        c.hash = o.hash;
    }
    if (size_ > capacity_) {
        // Keep the `capacity_` largest (count desc, key asc); swapping keeps string buffers.
        std::vector<std::uint32_t> order(size_);
        for (std::size_t i = 0; i < size_; ++i) {
            order[i] = static_cast<std::uint32_t>(i);
        }
        const auto by_rank = [this](std::uint32_t a, std::uint32_t b) {
            const counter& x = entries_[a];
            const counter& y = entries_[b];
            return x.count != y.count ? x.count > y.count : key_view(x.key) < key_view(y.key);
        };
        std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(capacity_),
                         order.end(), by_rank);
        std::vector<bool> keep(size_, false);
        for (std::size_t i = 0; i < capacity_; ++i) {
            keep[order[i]] = true;
        }
        std::size_t dst = 0;
        for (std::size_t src = 0; src < size_; ++src) {
            if (keep[src]) {
                if (dst != src) {
                    std::swap(entries_[dst], entries_[src]);
                }
                ++dst;
            }
        }
        size_ = capacity_;
        exact_ = false;
    } else {
        exact_ = exact_ && other.exact_;
    }
    max_count_ = 0;
    for (std::size_t i = 0; i < size_; ++i) {
        max_count_ = std::max(max_count_, entries_[i].count);
    }
    rebuild_index();
    rebuild_heap(); // the general path ends inexact: an exact union that fits took merge_exact
}

template <class Key> bool space_saving<Key>::merge_exact(const space_saving& other) {
    // Exact summaries: no absent-key bound to add, and nothing is evicted if the union fits.
    if (size_ + other.size_ > capacity_) {
        // The union may still fit: count the other's keys not held here.
        std::size_t fresh = 0;
        for (std::size_t i = 0; i < other.size_; ++i) {
            const counter& o = other.entries_[i];
            fresh += probe(key_view(o.key), o.hash).second == k_none ? 1 : 0;
        }
        if (size_ + fresh > capacity_) {
            return false;
        }
    }
    // Same entries_ order as the general path: held keys in place, new ones appended in the
    // other's order (the index's layout may differ from rebuild_index's; no output reads it).
    for (std::size_t i = 0; i < other.size_; ++i) {
        const counter& o = other.entries_[i];
        const std::size_t idx = probe(key_view(o.key), o.hash).second;
        if (idx != k_none) {
            counter& c = entries_[idx];
            c.count += o.count;
            c.error += o.error;
            max_count_ = std::max(max_count_, c.count);
            continue;
        }
        reserve_one_more();
        const std::size_t new_idx = size_;
        counter& c = append_entry();
        set_key(c, key_view(o.key));
        c.count = o.count;
        c.error = o.error;
        c.hash = o.hash;
        index_insert(new_idx);
        max_count_ = std::max(max_count_, c.count);
    }
    return true; // still exact: no heap to maintain
}

extern template class space_saving<std::string>;
extern template class space_saving<std::uint64_t>;

} // namespace pulso
