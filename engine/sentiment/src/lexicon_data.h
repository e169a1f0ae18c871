#pragma once

#include <cstddef>
#include <cstdint>

namespace pulso::sentiment_detail {

/// What a lexicon term does in one language.
enum class term_kind : std::uint8_t {
    none = 0, ///< not a term of this language
    valence,  ///< carries a valence on the VADER scale (-4..+4)
    negator,  ///< flips and dampens a valence in the next 3 units
    booster,  ///< strengthens (value > 0) or weakens (dampener, value < 0) a following valence
    contrast, ///< "but": the clause before counts half, the clause after 1.5 times
};

/// Language slots of a term. `all` rows (emoji) fill every slot.
enum class lang_slot : std::uint8_t { en = 0, es = 1, pt = 2, any = 3, all = 4 };

/// One row of the data files in engine/sentiment/data, in file order (a later row overrides
/// an earlier one for the same term and language). Generated at build time by
/// pulso_sentiment_embed into lexicon_data.cpp.
struct lexicon_row {
    const char* term; ///< normalised UTF-8; words of a phrase separated by one space
    float value;
    lang_slot lang;
    term_kind kind;
};

extern const lexicon_row lexicon_rows[];
extern const std::size_t lexicon_row_count;

} // namespace pulso::sentiment_detail
