#pragma once

#include <string_view>
#include <vector>

namespace pulso {

/// Hashtags and terms of one normalised text, each list distinct (a tag repeated in one
/// mention counts once) in order of first appearance. Views borrow from the normalised text.
struct token_lists {
    std::vector<std::string_view> hashtags; ///< `#` + word characters, including the `#`
    std::vector<std::string_view> terms;    ///< words for top terms and trends
    void clear() noexcept {
        hashtags.clear();
        terms.clear();
    }
};

/// Extracts hashtags (CONTRACT §3: `#` + letters/digits/`_`, preceded by a boundary) and
/// terms (word tokens of ≥ 3 code points that are not all digits, not a stopword of es/en/pt,
/// not part of a hashtag, handle or URL). `out` is cleared first; capacity is reused.
/// @thread any (stateless; `out` belongs to the caller)
void extract_tokens(std::string_view normalized, token_lists& out);

/// True for the built-in es/en/pt stopwords (normalised forms: no accents, lower case).
bool is_stopword(std::string_view term) noexcept;

} // namespace pulso
