#pragma once

#include <cstdint>
#include <string_view>

/// Private: a word of at most 16 ASCII bytes packed into two integers (zero padded), so that
/// the tokenizer can build it while scanning and stopword lookup and dedupe hash and compare
/// integers instead of bytes.
namespace pulso::text_detail {

struct packed_key {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    bool operator==(const packed_key&) const = default;
};

inline constexpr std::size_t k_packed_max = 16;

/// Packs `w` (at most k_packed_max bytes).
inline packed_key pack(std::string_view w) noexcept {
    packed_key k;
    for (std::size_t i = 0; i < w.size() && i < 8; ++i) {
        k.lo |= static_cast<std::uint64_t>(static_cast<unsigned char>(w[i])) << (8 * i);
    }
    for (std::size_t i = 8; i < w.size() && i < k_packed_max; ++i) {
        k.hi |= static_cast<std::uint64_t>(static_cast<unsigned char>(w[i])) << (8 * (i - 8));
    }
    return k;
}

inline std::uint64_t packed_hash(const packed_key& k) noexcept {
    std::uint64_t h = (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 31);
}

/// Stopword lookup for a packed word made of a-z only; `h` is packed_hash(k).
bool is_stopword_packed(const packed_key& k, std::uint64_t h) noexcept;

} // namespace pulso::text_detail
