#pragma once

#include <string_view>

namespace pulso {

namespace sentiment_detail {
class lexicon_table;
} // namespace sentiment_detail

/// Built-in sentiment scorer for es, en and pt (CONTRACT §3, used when a mention carries no
/// upstream score): lexicon lookups with negation, intensifiers, emoji and emphasis. Immutable
/// after construction; shared by all workers.
/// @thread any (const)
class lexicon_scorer {
  public:
    /// The built-in lexicons (constructed once, on first use).
    static const lexicon_scorer& builtin();

    /// Score in [-1, 1]. `raw` is the text as received (for emphasis such as CAPITALS and
    /// `!!!`), `normalized` its CONTRACT §3 normal form, `lang` the mention's language (`es`,
    /// `en`, `pt`; anything else scores with all three lexicons). noexcept, no allocation.
    [[nodiscard]] float score(std::string_view raw, std::string_view normalized,
                              std::string_view lang) const noexcept;

  private:
    explicit lexicon_scorer(const sentiment_detail::lexicon_table& table) noexcept
        : table_(&table) {}

    const sentiment_detail::lexicon_table* table_; ///< owned by builtin()'s static storage
};

} // namespace pulso
