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

/// Hash of a packed word: two independent multiplies (short latency); use its high bits, which
/// depend on every byte (the low bits of a product see only the low bits of its factors).
constexpr std::uint64_t packed_hash(const packed_key& k) noexcept {
    return (k.lo * 0x9E3779B97F4A7C15ULL) ^ (k.hi * 0xBF58476D1CE4E5B9ULL);
}

/// Every stopword is at most this long (checked at compile time in stopwords.cpp), so longer
/// words skip the lookup.
inline constexpr std::size_t k_stopword_max_len = 10;

/// Slots of the stopword table: a power of two, load factor about 0.3 (601 distinct words), so
/// that a miss ends after one or two probes.
inline constexpr unsigned k_stopword_slot_bits = 11;
inline constexpr std::size_t k_stopword_slots = std::size_t{1} << k_stopword_slot_bits;

/// Bits of the stopword filter: a bit map over 13 other bits of packed_hash, set for every
/// stopword. 1 KiB stays in cache where the 32 KiB table does not (other stages share it), and
/// rejects about 93 % of the words that are not stopwords with one load. (Measured: a
/// branch-free fixed-window probe of the table instead was slower in the engine.)
inline constexpr unsigned k_stopword_filter_bits = 13;

/// Slot of a hash in the stopword table (its top bits).
constexpr std::size_t stopword_slot(std::uint64_t h) noexcept {
    return static_cast<std::size_t>(h >> (64 - k_stopword_slot_bits));
}

/// Bit of a hash in the stopword filter (the bits below the slot bits).
constexpr std::size_t stopword_filter_bit(std::uint64_t h) noexcept {
    return static_cast<std::size_t>(h >> (64 - k_stopword_slot_bits - k_stopword_filter_bits)) &
           ((std::size_t{1} << k_stopword_filter_bits) - 1);
}

/// Open-addressing (linear probing from stopword_slot) table of all stopwords, empty slots all
/// zero. Built at compile time in stopwords.cpp, so it is usable from any static initialiser.
extern const std::array<packed_key, k_stopword_slots> k_stopword_table;

/// The filter bit map (see k_stopword_filter_bits), built with the table.
extern const std::array<std::uint64_t, (std::size_t{1} << k_stopword_filter_bits) / 64>
    k_stopword_filter;

/// Stopword lookup for a packed word; `h` is packed_hash(k). Any bytes may be packed: a word
/// with bytes outside a-z is simply never found.
inline bool is_stopword_packed(const packed_key& k, std::uint64_t h) noexcept {
    const std::size_t f = stopword_filter_bit(h);
    if (((k_stopword_filter[f >> 6] >> (f & 63)) & 1) == 0) {
        return false;
    }
    for (std::size_t i = stopword_slot(h);; i = (i + 1) & (k_stopword_slots - 1)) {
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
