#pragma once

#include <utf8proc.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

/// Private helpers shared by the text module's translation units: UTF-8 stepping over
/// already-normalised text and the word-character class with an ASCII fast path.
namespace pulso::text_detail {

/// Bit flags per ASCII byte.
inline constexpr std::uint8_t k_word = 1;  ///< letter, digit or `_`
inline constexpr std::uint8_t k_space = 2; ///< white space per CONTRACT §3
inline constexpr std::uint8_t k_digit = 4; ///< ASCII decimal digit

inline constexpr std::array<std::uint8_t, 128> k_ascii_class = [] {
    std::array<std::uint8_t, 128> t{};
    for (int c = 'a'; c <= 'z'; ++c) {
        t[c] = k_word;
    }
    for (int c = 'A'; c <= 'Z'; ++c) {
        t[c] = k_word;
    }
    for (int c = '0'; c <= '9'; ++c) {
        t[c] = k_word | k_digit;
    }
    t['_'] = k_word;
    for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) {
        t[static_cast<unsigned char>(c)] = k_space;
    }
    return t;
}();

/// Word character for boundaries: Unicode L*, Nd or `_`.
inline bool word_cp(std::int32_t cp) noexcept {
    if (cp >= 0 && cp < 0x80) {
        return (k_ascii_class[static_cast<std::size_t>(cp)] & k_word) != 0;
    }
    if (cp < 0 || cp > 0x10FFFF) {
        return false;
    }
    const utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND;
}

/// Unicode decimal digit (Nd).
inline bool digit_cp(std::int32_t cp) noexcept {
    if (cp >= 0 && cp < 0x80) {
        return (k_ascii_class[static_cast<std::size_t>(cp)] & k_digit) != 0;
    }
    if (cp < 0 || cp > 0x10FFFF) {
        return false;
    }
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

/// White space per CONTRACT §3: Zs, Zl, Zp, \t \n \v \f \r and U+0085.
inline bool space_cp(std::int32_t cp) noexcept {
    if (cp >= 0 && cp < 0x80) {
        return (k_ascii_class[static_cast<std::size_t>(cp)] & k_space) != 0;
    }
    if (cp == 0x85) {
        return true;
    }
    if (cp < 0 || cp > 0x10FFFF) {
        return false;
    }
    const utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

/// Decodes the code point starting at `i` (i < s.size()). Sets `len` to the bytes consumed
/// (≥ 1). Returns -1 for an invalid sequence (then len == 1).
inline std::int32_t decode_at(std::string_view s, std::size_t i, std::size_t& len) noexcept {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
        len = 1;
        return b;
    }
    std::int32_t cp = -1;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                         static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0 || cp < 0) {
        len = 1;
        return -1;
    }
    len = static_cast<std::size_t>(n);
    return cp;
}

/// Decodes the code point that ends just before `i` (0 < i ≤ s.size()). Returns -1 when the
/// bytes before `i` are not the tail of a valid sequence.
inline std::int32_t decode_before(std::string_view s, std::size_t i) noexcept {
    const auto last = static_cast<unsigned char>(s[i - 1]);
    if (last < 0x80) {
        return last;
    }
    std::size_t start = i - 1;
    // Step back over at most three continuation bytes to the lead byte.
    while (start > 0 && i - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
    }
    std::size_t len = 0;
    const std::int32_t cp = decode_at(s, start, len);
    return (cp >= 0 && start + len == i) ? cp : -1;
}

/// Appends the UTF-8 encoding of a valid code point.
template <class String> inline void append_utf8(String& out, std::int32_t cp) {
    const auto u = static_cast<std::uint32_t>(cp);
    if (u < 0x80) {
        out.push_back(static_cast<char>(u));
    } else if (u < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (u >> 6)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    } else if (u < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (u >> 12)));
        out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (u >> 18)));
        out.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    }
}

} // namespace pulso::text_detail
