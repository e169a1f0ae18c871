#include "pulso/text/tokens.h"

#include "term_key.h"
#include "utf8_internal.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Two passes over the text:
//  1. classify: per 64-byte chunk, bit masks of the bytes that belong to a word code point
//     (L*, Nd, `_`), to a digit (Nd), that are ≥ 0x80, and that continue a multi-byte code point.
//     ASCII is classified 16 bytes at a time with SSE2; only chunks holding non-ASCII bytes
//     decode them (inline, with a table for U+0080..U+07FF).
//  2. walk the word runs with bit scans and apply the rules per run: hashtag when `#` precedes
//     it at a boundary, URL skip when it starts `http://`, `https://` or `www.`, otherwise a
//     term unless after `#`/`@`, shorter than 3 code points, all digits or a stopword.
// Tokens are packed into two integers (their first 16 bytes) for stopword lookup and
// deduplication; the reference implementation in tests/engine/text/tokens_test.cpp walks code
// points one by one, and a randomised test checks the two agree.

namespace pulso {

namespace {

using namespace text_detail;

/// Bit masks of one 64-byte chunk; bit b describes byte 64 * chunk + b.
/// No member initialisers: the stack array in extract_tokens is written by classify() before
/// it is read, so zeroing it first would be wasted stores on every call.
struct chunk_masks {
    std::uint64_t word;  ///< part of a word code point
    std::uint64_t digit; ///< part of a decimal-digit code point
    std::uint64_t high;  ///< byte ≥ 0x80
    std::uint64_t cont;  ///< continuation byte of a valid multi-byte code point
    std::uint64_t hash;  ///< `#`
};

using mask_field = std::uint64_t chunk_masks::*;

/// Bits [s, s + len) of `field`, len in 1..64. Reads chunk s/64 + 1 when the range crosses it;
/// the chunk array always ends with an all-zero chunk.
inline std::uint64_t bits_at(const chunk_masks* c, mask_field field, std::size_t s,
                             std::size_t len) noexcept {
    const std::size_t w = s >> 6;
    const std::size_t o = s & 63;
    std::uint64_t x = c[w].*field >> o;
    if (o != 0) {
        x |= c[w + 1].*field << (64 - o);
    }
    return len >= 64 ? x : x & ((std::uint64_t{1} << len) - 1);
}

/// End of the word run containing byte `s`: the first byte at or after `s` that is not part of
/// a word code point (the all-zero chunk at the end stops the scan).
inline std::size_t run_end(const chunk_masks* c, std::size_t s) noexcept {
    std::size_t w = s >> 6;
    std::uint64_t x = ~c[w].word & (~std::uint64_t{0} << (s & 63));
    while (x == 0) {
        x = ~c[++w].word;
    }
    return (w << 6) + static_cast<std::size_t>(std::countr_zero(x));
}

/// Masks of 16 bytes: bit b describes byte b.
struct block_masks {
    std::uint32_t word = 0;
    std::uint32_t digit = 0;
    std::uint32_t high = 0;
    std::uint32_t hash = 0;
};

/// Classifies the ASCII bytes of the 16 bytes at `p` (all readable).
inline block_masks classify16(const unsigned char* p) noexcept {
    block_masks r;
#if defined(__SSE2__)
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Letters: (v | 0x20) - 'a' < 26 unsigned, true only for A-Z and a-z.
    const __m128i t = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    const __m128i alpha = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(25)), t);
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    const __m128i w = _mm_or_si128(_mm_or_si128(alpha, dig), _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    r.word = static_cast<std::uint32_t>(_mm_movemask_epi8(w));
    r.digit = static_cast<std::uint32_t>(_mm_movemask_epi8(dig));
    r.high = static_cast<std::uint32_t>(_mm_movemask_epi8(v));
    r.hash = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('#'))));
#else
    for (unsigned b = 0; b < 16; ++b) {
        const unsigned char c = p[b];
        if (c >= 0x80) {
            r.high |= 1U << b;
            continue;
        }
        r.hash |= static_cast<std::uint32_t>(c == '#') << b;
        const std::uint8_t cls = k_ascii_class[c];
        r.word |= static_cast<std::uint32_t>(cls & k_word) << b;
        r.digit |= static_cast<std::uint32_t>((cls & k_digit) != 0) << b;
    }
#endif
    return r;
}

/// Classifies the ASCII bytes [base, min(base + 64, n)) of `t` into `m` (bits past n stay 0),
/// reading nothing past t[n - 1]: the last partial 16-byte block is loaded so that it ends at
/// t[n - 1] (when n ≥ 16) and its masks shifted into place, so no tail is copied.
inline void classify_ascii(const unsigned char* t, std::size_t n, std::size_t base,
                           chunk_masks& m) noexcept {
    std::uint64_t word = 0;
    std::uint64_t digit = 0;
    std::uint64_t high = 0;
    std::uint64_t hash = 0;
    for (unsigned j = 0; j < 4; ++j) {
        const std::size_t off = base + 16 * j;
        block_masks r;
        if (off + 16 <= n) [[likely]] {
            r = classify16(t + off);
        } else if (off >= n) {
            break;
        } else {
            const auto rest = static_cast<unsigned>(n - off); // 1..15
            if (n >= 16) {
                r = classify16(t + n - 16);
                r.word >>= 16 - rest;
                r.digit >>= 16 - rest;
                r.high >>= 16 - rest;
                r.hash >>= 16 - rest;
            } else {
                std::array<unsigned char, 16> tail{}; // zero bytes: no class
                for (unsigned k = 0; k < rest; ++k) {
                    tail[k] = t[off + k];
                }
                r = classify16(tail.data());
            }
        }
        const unsigned shift = 16 * j;
        word |= std::uint64_t{r.word} << shift;
        digit |= std::uint64_t{r.digit} << shift;
        high |= std::uint64_t{r.high} << shift;
        hash |= std::uint64_t{r.hash} << shift;
    }
    m.hash = hash;
    m.word |= word;
    m.digit |= digit;
    m.high = high;
}

/// Masks keeping the first m bytes (m = 0..16) of a 16-byte little-endian load.
constexpr std::array<packed_key, k_packed_max + 1> k_prefix_masks = [] {
    std::array<packed_key, k_packed_max + 1> t{};
    for (std::size_t m = 0; m <= k_packed_max; ++m) {
        t[m].lo = m >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * m)) - 1;
        t[m].hi = m <= 8    ? 0
                  : m >= 16 ? ~std::uint64_t{0}
                            : (std::uint64_t{1} << (8 * (m - 8))) - 1;
    }
    return t;
}();

/// Packs the first min(len, 16) bytes at `p`; `avail` ≥ len bytes are readable from `p`, and
/// `before` bytes before it.
inline packed_key load_key(const unsigned char* p, std::size_t len, std::size_t avail,
                           std::size_t before) noexcept {
    const std::size_t m = len < k_packed_max ? len : k_packed_max;
    packed_key k;
    if (avail >= 16) [[likely]] {
        std::memcpy(&k.lo, p, 8);
        std::memcpy(&k.hi, p + 8, 8);
    } else if (avail + before >= 16) {
        // Near the end of the text: load the 16 bytes that end at p + avail, shift down.
        std::uint64_t lo = 0;
        std::uint64_t hi = 0;
        std::memcpy(&lo, p + avail - 16, 8);
        std::memcpy(&hi, p + avail - 8, 8);
        const auto drop = static_cast<unsigned>(8 * (16 - avail)); // 8..128 bits
        if (drop >= 64) {
            k.lo = hi >> (drop - 64);
        } else {
            k.lo = (lo >> drop) | (hi << (64 - drop));
            k.hi = hi >> drop;
        }
    } else {
        for (std::size_t i = 0; i < m; ++i) {
            const auto b = static_cast<std::uint64_t>(p[i]);
            if (i < 8) {
                k.lo |= b << (8 * i);
            } else {
                k.hi |= b << (8 * (i - 8));
            }
        }
        return k;
    }
    k.lo &= k_prefix_masks[m].lo;
    k.hi &= k_prefix_masks[m].hi;
    return k;
}

/// Hash for deduplication (its top bits pick the slot): the packed prefix mixed with the length
/// (words longer than 16 bytes that share a prefix still spread).
inline std::uint64_t dedupe_hash(std::uint64_t prefix_hash, std::size_t len) noexcept {
    return prefix_hash + (static_cast<std::uint64_t>(len) * 0xD6E8FEB86659FD93ULL);
}

/// Keeps one output list distinct: an open-addressing table of the items' packed prefixes and
/// indices, emptied in O(1) by a generation stamp. Only grows (load factor ≤ 1/2): steady
/// state allocates nothing.
class dedupe {
  public:
    void reset(const std::vector<std::string_view>& empty_list) {
        if (slots_.empty()) {
            grow(empty_list);
        }
        if (++cur_ == 0) {
            for (slot& s : slots_) {
                s.gen = 0;
            }
            cur_ = 1;
        }
        count_ = 0;
    }

    /// Adds the `len` bytes at `p` (packed prefix `k`, hash `h` = dedupe_hash) to `list`
    /// unless already there. `list` holds exactly what was added since reset().
    [[gnu::always_inline]] void add(std::vector<std::string_view>& list, const unsigned char* p,
                                    std::size_t len, const packed_key& k, std::uint64_t h) {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(h >> shift_);; i = (i + 1) & mask) {
            slot& s = slots_[i];
            if (s.gen != cur_) {
                s.lo = k.lo;
                s.hi = k.hi;
                s.gen = cur_;
                s.idx = static_cast<std::uint32_t>(list.size());
                list.emplace_back(reinterpret_cast<const char*>(p), len);
                if (++count_ * 2 > slots_.size()) {
                    grow(list);
                }
                return;
            }
            if (s.lo == k.lo && s.hi == k.hi) {
                // Equal 16-byte prefixes: equal when the lengths agree, unless longer than that.
                const std::string_view have = list[s.idx];
                if (have.size() == len &&
                    (len <= k_packed_max || std::memcmp(have.data(), p, len) == 0)) {
                    return;
                }
            }
        }
    }

  private:
    struct slot {
        std::uint64_t lo = 0;
        std::uint64_t hi = 0;
        std::uint32_t gen = 0;
        std::uint32_t idx = 0;
    };

    [[gnu::noinline, gnu::cold]] void grow(const std::vector<std::string_view>& list) {
        const std::size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
        slots_.assign(cap, slot{});
        shift_ = static_cast<unsigned>(64 - std::countr_zero(cap));
        cur_ = 1;
        const std::size_t mask = cap - 1;
        for (std::size_t k = 0; k < list.size(); ++k) {
            const auto* p = reinterpret_cast<const unsigned char*>(list[k].data());
            const packed_key key = load_key(p, list[k].size(), list[k].size(), 0);
            const std::uint64_t h = dedupe_hash(packed_hash(key), list[k].size());
            std::size_t i = static_cast<std::size_t>(h >> shift_);
            while (slots_[i].gen == cur_) {
                i = (i + 1) & mask;
            }
            slots_[i] = slot{key.lo, key.hi, cur_, static_cast<std::uint32_t>(k)};
        }
    }

    std::vector<slot> slots_;
    unsigned shift_ = 64; ///< 64 - log2(slots_.size()): slot = top bits of the hash
    std::uint32_t cur_ = 0;
    std::size_t count_ = 0;
};

/// Per-thread scratch, so that extract_tokens stays stateless for callers. Buffers only grow.
struct scratch {
    std::vector<chunk_masks> chunks; ///< texts longer than k_stack_chunks chunks
    dedupe hashtags;
    dedupe terms;
};

/// Chunks kept on the stack: texts up to 256 bytes (nearly all mentions) touch no vector.
constexpr std::size_t k_stack_chunks = 4;

/// Pass 1: fills c[0 .. nchunks) and the all-zero chunk c[nchunks].
void classify(const unsigned char* t, std::size_t n, chunk_masks* c, std::size_t nchunks) {
    c[nchunks] = chunk_masks{};
    const std::array<std::uint8_t, 0x800>* small = nullptr;
    chunk_masks spill{};    // bits of code points that started in the previous chunk
    std::size_t resume = 0; // the next byte that starts a code point (past a multi-byte one)
    for (std::size_t ci = 0; ci < nchunks; ++ci) {
        chunk_masks& m = c[ci];
        m = spill;
        spill = chunk_masks{};
        const std::size_t base = ci * 64;
        classify_ascii(t, n, base, m);
        std::uint64_t todo = m.high;
        if (todo == 0) {
            continue;
        }
        if (small == nullptr) {
            small = &small_cp_flags();
        }
        if (resume > base) {
            todo &= ~std::uint64_t{0} << (resume - base); // continuation bytes of the last one
        }
        while (todo != 0) {
            const auto b = static_cast<unsigned>(std::countr_zero(todo));
            const std::size_t i = base + b;
            std::size_t len = 1;
            const std::int32_t cp = decode_utf8(t + i, t + n, len);
            const std::uint8_t flags = cp_flags(cp, *small);
            const std::uint64_t all = (std::uint64_t{1} << len) - 1;
            const std::uint64_t lo = all << b;
            const std::uint64_t hi = b + len > 64 ? all >> (64 - b) : 0;
            if ((flags & k_word) != 0) {
                m.word |= lo;
                spill.word |= hi;
            }
            if ((flags & k_digit) != 0) {
                m.digit |= lo;
                spill.digit |= hi;
            }
            m.cont |= lo & (lo << 1);
            spill.cont |= hi; // every spilled byte continues this code point
            resume = i + len;
            todo &= b + len >= 64 ? 0 : ~std::uint64_t{0} << (b + len);
        }
    }
}

bool url_at(const unsigned char* p, std::size_t avail) noexcept {
    if (p[0] == 'h') {
        return (avail >= 7 && std::memcmp(p, "http://", 7) == 0) ||
               (avail >= 8 && std::memcmp(p, "https://", 8) == 0);
    }
    return p[0] == 'w' && avail >= 4 && std::memcmp(p, "www.", 4) == 0;
}

/// True when every bit of `field` in [s, e) is set.
bool all_set(const chunk_masks* c, mask_field field, std::size_t s, std::size_t e) noexcept {
    for (; s < e; s += 64) {
        const std::size_t len = e - s < 64 ? e - s : 64;
        const std::uint64_t want = len >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1;
        if (bits_at(c, field, s, len) != want) {
            return false;
        }
    }
    return true;
}

} // namespace

void extract_tokens(std::string_view text, token_lists& out) {
    out.clear();
    thread_local scratch st;
    st.hashtags.reset(out.hashtags);
    st.terms.reset(out.terms);

    const auto* t = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    if (n == 0) {
        return;
    }
    const std::size_t nchunks = (n + 63) / 64;
    std::array<chunk_masks, k_stack_chunks + 1> local; // written by classify() before use
    chunk_masks* chunks = local.data();
    if (nchunks > k_stack_chunks) {
        st.chunks.resize(nchunks + 1); // only grows
        chunks = st.chunks.data();
    }
    classify(t, n, chunks, nchunks);
    const chunk_masks* c = chunks;

    // Candidates per chunk: `#` at a boundary followed by a word character (a hashtag), and
    // starts of word runs of at least 3 bytes (shorter runs are neither terms nor URLs).
    std::size_t pos = 0; // bytes before pos are consumed (a run, a hashtag, a skipped URL)
    for (std::size_t w = 0; w < nchunks; ++w) {
        const std::size_t base = w << 6;
        if (pos >= base + 64) {
            continue;
        }
        const std::uint64_t word = c[w].word;
        const std::uint64_t next = c[w + 1].word;
        const std::uint64_t before = (word << 1) | (w > 0 ? c[w - 1].word >> 63 : 0);
        const std::uint64_t after1 = (word >> 1) | (next << 63);
        const std::uint64_t after2 = (word >> 2) | (next << 62);
        std::uint64_t cand = ((word & after1 & after2) | (c[w].hash & after1)) & ~before;
        if (pos > base) {
            cand &= ~std::uint64_t{0} << (pos - base);
        }
        while (cand != 0) {
            const std::size_t i = base + static_cast<std::size_t>(std::countr_zero(cand));
            pos = run_end(c, t[i] == '#' ? i + 1 : i);
            if (pos >= base + 64) {
                cand = 0;
            } else {
                cand &= ~std::uint64_t{0} << (pos - base);
            }
            if (t[i] == '#') {
                const std::size_t len = pos - i;
                const packed_key k = load_key(t + i, len, n - i, i);
                st.hashtags.add(out.hashtags, t + i, len, k, dedupe_hash(packed_hash(k), len));
                continue;
            }
            const std::size_t s = i;
            const std::size_t e = pos;
            const std::size_t len = e - s;
            if ((t[s] == 'h' || t[s] == 'w') && url_at(t + s, n - s)) {
                // Skip to the next ASCII white space; no hashtag or term starts inside.
                std::size_t j = e;
                while (j < n && !(t[j] < 0x80 && (k_ascii_class[t[j]] & k_space) != 0)) {
                    ++j;
                }
                pos = j;
                if (pos >= base + 64) {
                    cand = 0;
                } else {
                    cand &= ~std::uint64_t{0} << (pos - base);
                }
                continue;
            }
            if (s > 0 && (t[s - 1] == '#' || t[s - 1] == '@')) {
                continue; // part of a handle, or after a `#` that follows a word
            }
            std::uint64_t high = 0;
            std::uint64_t digit = 0;
            std::uint64_t full = 0;
            const std::size_t o = s & 63;
            if (o + len <= 64) {
                // The common case: the run lies in one chunk (w is the chunk of e, here also of s).
                full = (len >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1) << o;
                const chunk_masks& m = c[s >> 6];
                high = m.high & full;
                digit = m.digit & full;
            } else if (len <= 64) {
                full = len >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1;
                high = bits_at(c, &chunk_masks::high, s, len);
                digit = bits_at(c, &chunk_masks::digit, s, len);
            } else {
                // More than 64 bytes: at least 16 code points, never a stopword.
                if (all_set(c, &chunk_masks::digit, s, e)) {
                    continue;
                }
                const packed_key k = load_key(t + s, len, n - s, s);
                st.terms.add(out.terms, t + s, len, k, dedupe_hash(packed_hash(k), len));
                continue;
            }
            if (digit == full) {
                continue; // all decimal digits
            }
            const packed_key k = load_key(t + s, len, n - s, s);
            const std::uint64_t ph = packed_hash(k);
            if (high == 0) {
                // ASCII: the only shape a stopword has.
                if (len <= k_stopword_max_len && is_stopword_packed(k, ph)) {
                    continue;
                }
            } else if (len - static_cast<std::size_t>(
                                 std::popcount(bits_at(c, &chunk_masks::cont, s, len))) <
                       3) {
                continue; // fewer than 3 code points
            }
            st.terms.add(out.terms, t + s, len, k, dedupe_hash(ph, len));
        }
    }
}
} // namespace pulso
