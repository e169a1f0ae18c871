#include "lexicon_table.h"

#include "pulso/core/assert.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

namespace pulso::sentiment_detail {

namespace {

// Splits a phrase into its words (at most 4, checked by the embed tool).
std::size_t split_words(std::string_view term, std::string_view* out) noexcept {
    std::size_t n = 0;
    while (n < 4) {
        const std::size_t sp = term.find(' ');
        out[n++] = term.substr(0, sp);
        if (sp == std::string_view::npos) {
            break;
        }
        term.remove_prefix(sp + 1);
    }
    return n;
}

std::uint64_t hash_of_words(const std::string_view* words, std::size_t n) noexcept {
    std::uint64_t h = token_hash(words[0]);
    for (std::size_t i = 1; i < n; ++i) {
        h = phrase_hash(h, token_hash(words[i]));
    }
    return h;
}

} // namespace

const lexicon_entry* lexicon_table::find_phrase(std::uint64_t h, const std::string_view* tokens,
                                                std::size_t n) const noexcept {
    if (!may_contain(h)) {
        return nullptr; // the usual outcome: most phrase heads ("de", "la") start no phrase here
    }
    auto equal = [tokens, n](const lexicon_entry& e) noexcept {
        if (e.words != n) {
            return false;
        }
        std::string_view rest = e.term;
        for (std::size_t i = 0; i < n; ++i) {
            if (rest.substr(0, tokens[i].size()) != tokens[i]) {
                return false;
            }
            rest.remove_prefix(tokens[i].size());
            if (i + 1 < n) {
                if (rest.empty() || rest.front() != ' ') {
                    return false;
                }
                rest.remove_prefix(1);
            }
        }
        return rest.empty();
    };
    for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
        const lexicon_slot& s = slots_[i];
        if (s.entry == 0) {
            return nullptr;
        }
        if (s.hash == h && s.size == 0 && equal(entries_[s.entry - 1U])) {
            return &entries_[s.entry - 1U];
        }
    }
}

const lexicon_entry* lexicon_table::find_term(std::string_view term) const noexcept {
    std::string_view words[4];
    const std::size_t n = split_words(term, words);
    if (n == 1) {
        return find(token_hash(term), term);
    }
    return find_phrase(hash_of_words(words, n), words, n);
}

lexicon_entry& lexicon_table::insert(std::uint64_t h, std::string_view term, std::uint8_t words) {
    for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
        lexicon_slot& s = slots_[i];
        if (s.entry == 0) {
            PULSO_ASSERT(entries_.size() < 0xFFFFU, "lexicon over {} entries", 0xFFFFU);
            PULSO_ASSERT(term.size() < 0xFFU, "lexicon term over {} bytes", 0xFFU);
            PULSO_ASSERT(term.find('\0') == std::string_view::npos, "NUL in a lexicon term");
            entries_.push_back({h, term, words, 1, {}, {}});
            s.hash = h;
            s.entry = static_cast<std::uint16_t>(entries_.size());
            s.size = words == 1 ? static_cast<std::uint8_t>(term.size()) : 0;
            return entries_.back();
        }
        lexicon_entry& e = entries_[s.entry - 1U];
        if (e.hash == h && e.term == term) {
            return e;
        }
    }
}

lexicon_table::lexicon_table(const lexicon_row* rows, std::size_t count) {
    // Rows plus phrase heads; ~3 slots per entry keeps probe sequences short.
    const std::size_t cap = std::bit_ceil(count * 3 + 16);
    slots_.assign(cap, lexicon_slot{});
    mask_ = cap - 1;
    entries_.reserve(count * 2);

    for (std::size_t r = 0; r < count; ++r) {
        const lexicon_row& row = rows[r];
        const std::string_view term(row.term);
        std::string_view words[4];
        const std::size_t n = split_words(term, words);
        lexicon_entry& e = insert(hash_of_words(words, n), term, static_cast<std::uint8_t>(n));
        if (row.lang == lang_slot::all) {
            for (int l = 0; l < 3; ++l) {
                e.kind[l] = row.kind;
                e.value[l] = row.value;
            }
        } else {
            const auto l = static_cast<std::size_t>(row.lang);
            PULSO_ASSERT(l < 3, "row language slot {} out of range", l);
            e.kind[l] = row.kind;
            e.value[l] = row.value;
        }
        if (n > 1) {
            // The first word heads the phrase: the scorer tries phrases only at heads.
            lexicon_entry& head = insert(token_hash(words[0]), words[0], 1);
            head.longest_phrase = std::max(head.longest_phrase, static_cast<std::uint8_t>(n));
        }
    }

    // The `any` slot, for languages other than en, es, pt.
    for (lexicon_entry& e : entries_) {
        int valued = 0;
        float sum = 0;
        e.kind[3] = term_kind::none;
        for (int l = 0; l < 3; ++l) {
            if (e.kind[l] == term_kind::valence) {
                ++valued;
                sum += e.value[l];
            } else if (e.kind[l] != term_kind::none && e.kind[3] == term_kind::none) {
                e.kind[3] = e.kind[l];
                e.value[3] = e.value[l];
            }
        }
        if (e.kind[3] == term_kind::none && valued > 0) {
            e.kind[3] = term_kind::valence;
            e.value[3] = sum / static_cast<float>(valued);
        }
    }
    filter_.assign(std::size_t{1} << filter_log2_words, 0);
    for (const lexicon_entry& e : entries_) {
        filter_[e.hash >> (64 - filter_log2_words)] |= filter_bits(e.hash);
    }
    // Copy what the scorer reads per token into the slots.
    for (lexicon_slot& s : slots_) {
        if (s.entry != 0) {
            const lexicon_entry& e = entries_[s.entry - 1U];
            s.longest_phrase = e.longest_phrase;
            std::copy(std::begin(e.kind), std::end(e.kind), std::begin(s.kind));
        }
    }
}

const lexicon_table& lexicon_table::builtin() {
    static const lexicon_table table(lexicon_rows, lexicon_row_count);
    return table;
}

} // namespace pulso::sentiment_detail
