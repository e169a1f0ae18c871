#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

/// Private: a word of at most 16 bytes packed into two integers (zero padded), so that the
/// tokenizer can hash and compare integers instead of bytes, and the stopword table shared by
/// tokens.cpp and stopwords.cpp.
namespace pulso::text_detail {

struct packed_key {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    constexpr bool operator==(const packed_key&) const = default;
};

inline constexpr std::size_t k_packed_max = 16;

/// Packs `w` (at most k_packed_max bytes).
constexpr packed_key pack(std::string_view w) noexcept {
    packed_key k;
    for (std::size_t i = 0; i < w.size() && i < 8; ++i) {
        k.lo |= static_cast<std::uint64_t>(static_cast<unsigned char>(w[i])) << (8 * i);
    }
    for (std::size_t i = 8; i < w.size() && i < k_packed_max; ++i) {
        k.hi |= static_cast<std::uint64_t>(static_cast<unsigned char>(w[i])) << (8 * (i - 8));
    }
    return k;
}

constexpr std::uint64_t packed_hash(const packed_key& k) noexcept {
    std::uint64_t h = (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 31);
}

/// Every stopword is at most this long (checked at compile time in stopwords.cpp), so longer
/// words skip the lookup.
inline constexpr std::size_t k_stopword_max_len = 10;

/// Slots of the stopword table: a power of two, load factor about 0.3 (601 distinct words), so
/// that a miss — the common case — ends after one or two probes.
inline constexpr std::size_t k_stopword_slots = 2048;

/// Open-addressing (linear probing from packed_hash) table of all stopwords, empty slots all
/// zero. Built at compile time in stopwords.cpp, so it is usable from any static initialiser.
extern const std::array<packed_key, k_stopword_slots> k_stopword_table;

/// Stopword lookup for a packed word; `h` is packed_hash(k). Any bytes may be packed: a word
/// with bytes outside a-z is simply never found.
inline bool is_stopword_packed(const packed_key& k, std::uint64_t h) noexcept {
    for (std::size_t i = h & (k_stopword_slots - 1);; i = (i + 1) & (k_stopword_slots - 1)) {
        const packed_key& s = k_stopword_table[i];
        if (s == k) {
            return true;
        }
        if (s.lo == 0) {
            return false; // empty slot (a stopword's first byte is never 0)
        }
    }
}

/// The stopword lists as written (es, en, pt, social; words may repeat across lists), for the
/// reference implementation in tests.
std::span<const std::span<const std::string_view>> stopword_lists() noexcept;

} // namespace pulso::text_detail
