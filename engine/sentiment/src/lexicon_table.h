#pragma once

#include "lexicon_data.h"
#include "pulso/core/hash.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace pulso::sentiment_detail {

/// Hash of one token. A token of up to 8 bytes is one zero-padded little-endian chunk put
/// through a bijection (an odd multiply and an xor-shift: two cheap steps), so that two tokens
/// of the same length have equal hashes only if they are equal; longer tokens are mixed 8 bytes
/// at a time and need a byte compare after a hash match. `readable` is how many bytes may be
/// read from `p` (>= `size`): with 8 or more the last chunk is one unaligned load and a mask
/// instead of a byte loop. Equal for equal tokens whatever `readable` is.
inline std::uint64_t token_hash(const char* p, std::size_t size, std::size_t readable) noexcept {
    auto last_chunk = [p, readable](std::size_t i, std::size_t rest) noexcept {
        std::uint64_t chunk = 0;
        if (readable - i >= 8) {
            std::memcpy(&chunk, p + i, 8);
            chunk &= ~std::uint64_t{0} >> (64 - 8 * rest); // little-endian: keep the first bytes
        } else {
            std::memcpy(&chunk, p + i, rest);
        }
        return chunk;
    };
    std::uint64_t h;
    if (size <= 8) [[likely]] {
        h = size == 0 ? 0 : last_chunk(0, size);
    } else {
        h = 0x9E3779B97F4A7C15ULL ^ size;
        std::size_t i = 0;
        for (; i + 8 <= size; i += 8) {
            std::uint64_t chunk;
            std::memcpy(&chunk, p + i, 8);
            h = (h ^ chunk) * 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 31;
        }
        if (i < size) {
            h = (h ^ last_chunk(i, size - i)) * 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 31;
        }
    }
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 29);
}

inline std::uint64_t token_hash(std::string_view token) noexcept {
    return token_hash(token.data(), token.size(), token.size());
}

/// Hash of a phrase from its tokens' hashes: "a b" is looked up by
/// phrase_hash(token_hash("a"), token_hash("b")), so the scorer never copies token text.
inline std::uint64_t phrase_hash(std::uint64_t prefix, std::uint64_t next) noexcept {
    return mix64(prefix * 0x9E3779B97F4A7C15ULL ^ next);
}

/// One term (a word, emoji, emoticon or phrase) and what it does in each language slot
/// (en, es, pt, any). `any` is derived: the first modifier among en, es, pt, else the mean
/// valence of the languages that have the term.
struct lexicon_entry {
    std::uint64_t hash;
    std::string_view term; ///< normalised; words separated by one space
    std::uint8_t words;    ///< 1 for a single token
    std::uint8_t
        longest_phrase; ///< longest phrase (in words) that starts with this term, 1 if none
    term_kind kind[4];
    float value[4];
};

/// One slot of the open-addressing table: 16 bytes, four to a cache line. It holds the full
/// hash and everything the scorer needs except a valence or booster value, so that a miss, and
/// a hit on a short word, read this cache line only.
struct lexicon_slot {
    std::uint64_t hash;
    std::uint16_t entry; ///< index into entries() + 1; 0 = empty slot
    /// Byte length of a single-token term (< 255); 0 for a phrase, which a token never matches.
    std::uint8_t size;
    std::uint8_t longest_phrase; ///< as lexicon_entry::longest_phrase
    term_kind kind[4];           ///< as lexicon_entry::kind
};
static_assert(sizeof(lexicon_slot) == 16);

/// The built-in lexicons as an open-addressing hash table (linear probing, load <= 0.35),
/// built once from lexicon_rows. Immutable after construction.
/// @thread any (const)
class lexicon_table {
  public:
    /// Builds the table from rows in order; a later row overrides an earlier one for the same
    /// term and language.
    lexicon_table(const lexicon_row* rows, std::size_t count);

    /// The table of the built-in data, built on first use (thread-safe static initialisation).
    static const lexicon_table& builtin();

    /// The slot of the single token `p[0, size)` with hash `h` (token_hash of it), or nullptr.
    /// Inline: it runs once per token. Tokens of at most 8 bytes are never compared byte by
    /// byte: token_hash is injective on them (one chunk, bijective mixing, and the length is
    /// implied by the highest non-zero byte since tokens and terms contain no NUL), so equal
    /// hash and equal length mean equal text. Longer ones are compared after a hash match.
    [[nodiscard]] const lexicon_slot* find_slot(std::uint64_t h, const char* p,
                                                std::size_t size) const noexcept {
        // Four words in five of a mention are not in the lexicon: the filter turns away all but
        // ~2% of them without touching the 512 KiB slot array.
        return may_contain(h) ? probe(h, p, size) : nullptr;
    }

    /// find_slot without the filter, for a token that passed may_contain already.
    [[nodiscard]] const lexicon_slot* probe(std::uint64_t h, const char* p,
                                            std::size_t size) const noexcept {
        // The table is sparse (load < 0.3), so the first slot almost always decides: it holds
        // the token or is empty. Only a collision continues the probe.
        std::uint64_t i = h & mask_;
        for (;;) {
            const lexicon_slot& s = slots_[i];
            if (s.hash == h && s.size == size) [[likely]] {
                if (size <= 8 || std::memcmp(entries_[s.entry - 1U].term.data(), p, size) == 0)
                    [[likely]] {
                    return &s;
                }
            }
            if (s.entry == 0) {
                return nullptr;
            }
            i = (i + 1) & mask_;
        }
    }

    /// False when no term (word or phrase) of the table has hash `h`; true for every term's
    /// hash and for ~2% of other hashes. A blocked Bloom filter of 16 KiB (two bits of one
    /// 64-bit word, chosen by the hash's top 23 bits; the slot index uses the low bits), small
    /// enough to stay in L1/L2 where the slot array does not.
    [[nodiscard]] bool may_contain(std::uint64_t h) const noexcept {
        const std::uint64_t bits = filter_bits(h);
        return (filter_[h >> (64 - filter_log2_words)] & bits) == bits;
    }

    /// The entry of a slot returned by find_slot.
    [[nodiscard]] const lexicon_entry& entry_of(const lexicon_slot& s) const noexcept {
        return entries_[s.entry - 1U];
    }

    /// The entry of a single token with hash `h` (token_hash(token)), or nullptr.
    [[nodiscard]] const lexicon_entry* find(std::uint64_t h,
                                            std::string_view token) const noexcept {
        const lexicon_slot* s = find_slot(h, token.data(), token.size());
        return s == nullptr ? nullptr : &entry_of(*s);
    }

    /// The entry of the phrase made of `n` tokens (hash `h` = phrase_hash chain), or nullptr.
    [[nodiscard]] const lexicon_entry* find_phrase(std::uint64_t h, const std::string_view* tokens,
                                                   std::size_t n) const noexcept;

    /// Convenience for tests and tools: looks up a term (a word or a phrase) by its text.
    [[nodiscard]] const lexicon_entry* find_term(std::string_view term) const noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] const std::vector<lexicon_entry>& entries() const noexcept { return entries_; }

  private:
    static constexpr unsigned filter_log2_words = 11; ///< 2048 x 64 bits = 16 KiB

    static std::uint64_t filter_bits(std::uint64_t h) noexcept {
        return (std::uint64_t{1} << ((h >> 47) & 63U)) | (std::uint64_t{1} << ((h >> 41) & 63U));
    }

    lexicon_entry& insert(std::uint64_t h, std::string_view term, std::uint8_t words);

    std::vector<std::uint64_t> filter_; ///< may_contain's Bloom filter over every entry's hash
    std::vector<lexicon_entry> entries_;
    std::vector<lexicon_slot> slots_; ///< bit_ceil(3 x rows) slots
    std::uint64_t mask_ = 0;
};

} // namespace pulso::sentiment_detail
