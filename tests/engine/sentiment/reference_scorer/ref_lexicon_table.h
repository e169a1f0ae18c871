// FROZEN COPY of engine/sentiment/src/lexicon_table.h before the speed-up (see reference_scorer.h).
#pragma once

#include "lexicon_data.h" // the library's embedded rows: the same input data
#include "pulso/core/hash.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace pulso::sentiment_reference {

using sentiment_detail::lang_slot;
using sentiment_detail::lexicon_row;
using sentiment_detail::lexicon_row_count;
using sentiment_detail::lexicon_rows;
using sentiment_detail::term_kind;

/// Hash of one token, 8 bytes at a time (the last chunk zero-padded) with a splitmix64
/// finaliser. `readable` is how many bytes may be read from `p` (>= `size`): with 8 or more
/// the last chunk is one unaligned load and a mask instead of a byte loop. Equal for equal
/// tokens whatever `readable` is.
inline std::uint64_t token_hash(const char* p, std::size_t size, std::size_t readable) noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ size;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, p + i, 8);
        h = (h ^ chunk) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    if (i < size) {
        const std::size_t rest = size - i;
        std::uint64_t chunk = 0;
        if (readable - i >= 8) {
            std::memcpy(&chunk, p + i, 8);
            chunk &= ~std::uint64_t{0} >> (64 - 8 * rest); // little-endian: keep the first bytes
        } else {
            std::memcpy(&chunk, p + i, rest);
        }
        h = (h ^ chunk) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    return mix64(h);
}

inline std::uint64_t token_hash(std::string_view token) noexcept {
    return token_hash(token.data(), token.size(), token.size());
}

/// The high 16 bits of a table slot: a fingerprint of the entry's hash.
inline std::uint32_t slot_fingerprint(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 48) << 16;
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

    /// The entry of a single token with hash `h` (token_hash(token)), or nullptr. Inline: it
    /// runs once per token.
    [[nodiscard]] const lexicon_entry* find(std::uint64_t h,
                                            std::string_view token) const noexcept {
        return probe(h, [token](const lexicon_entry& e) noexcept {
            // The hashes are equal already; a byte loop beats a memcmp call on ~6-byte words.
            if (e.term.size() != token.size()) {
                return false;
            }
            for (std::size_t k = 0; k < token.size(); ++k) {
                if (e.term[k] != token[k]) {
                    return false;
                }
            }
            return true;
        });
    }

    /// The entry of the phrase made of `n` tokens (hash `h` = phrase_hash chain), or nullptr.
    [[nodiscard]] const lexicon_entry* find_phrase(std::uint64_t h, const std::string_view* tokens,
                                                   std::size_t n) const noexcept;

    /// Convenience for tests and tools: looks up a term (a word or a phrase) by its text.
    [[nodiscard]] const lexicon_entry* find_term(std::string_view term) const noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] const std::vector<lexicon_entry>& entries() const noexcept { return entries_; }

  private:
    template <typename Equal>
    [[nodiscard]] const lexicon_entry* probe(std::uint64_t h, Equal&& equal) const noexcept {
        const std::uint32_t fp = slot_fingerprint(h);
        for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
            const std::uint32_t s = slots_[i];
            if (s == 0) {
                return nullptr;
            }
            if ((s & 0xFFFF0000U) == fp) {
                const lexicon_entry& e = entries_[(s & 0xFFFFU) - 1];
                if (e.hash == h && equal(e)) {
                    return &e;
                }
            }
        }
    }
    lexicon_entry& insert(std::uint64_t h, std::string_view term, std::uint8_t words);

    std::vector<lexicon_entry> entries_;
    /// Per slot: (entry index + 1) in the low 16 bits, 0 = empty; the high 16 bits are a
    /// fingerprint of the hash, so that a miss rarely touches an entry.
    std::vector<std::uint32_t> slots_;
    std::uint64_t mask_ = 0;
};

} // namespace pulso::sentiment_reference
