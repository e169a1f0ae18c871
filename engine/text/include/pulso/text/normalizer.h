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
    void ensure_room(std::size_t used, std::size_t extra);
    [[gnu::noinline, gnu::cold]] void grow(std::size_t need);
    std::size_t normalize_run(const char* run, std::size_t len, std::size_t w);

    std::string out_;               ///< only grows; the result is its first bytes
    std::vector<std::int32_t> cps_; ///< decomposition buffer, grown on demand
    std::string clean_;             ///< a non-ASCII run with invalid bytes dropped
};

/// Convenience for start-up code (patterns, lexicons, tests).
std::string normalize_copy(std::string_view utf8);

/// True when the code point is a "word" character for boundaries (CONTRACT §3): a letter, a
/// digit or `_`. Anything else (space, punctuation, `@`, `#`, emoji) is a boundary.
bool is_word_char(char32_t cp) noexcept;

} // namespace pulso
