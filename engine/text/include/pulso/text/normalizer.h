#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// Normalises text per CONTRACT §3: Unicode NFKC, case-folded, combining marks removed,
/// runs of white space collapsed to one space (and trimmed). Invalid UTF-8 bytes are dropped.
/// Pure-ASCII input takes a fast path. Reuses its buffers: no allocation in steady state.
/// @thread owner
class normalizer {
  public:
    /// The returned view is valid until the next call on this object.
    [[nodiscard]] std::string_view normalize(std::string_view utf8);

  private:
    std::string out_;
    std::vector<std::int32_t> cps_;
};

/// Convenience for start-up code (patterns, lexicons, tests).
std::string normalize_copy(std::string_view utf8);

/// True when the code point is a "word" character for boundaries (CONTRACT §3): a letter, a
/// digit or `_`. Anything else (space, punctuation, `@`, `#`, emoji) is a boundary.
bool is_word_char(char32_t cp) noexcept;

} // namespace pulso
