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

/// Decodes the code point starting at `p` (p < end) with exactly the validity rules of
/// utf8proc_iterate, inline: a lead byte in C2..F4, the right number of continuation bytes
/// before `end`, no surrogates, no overlong 3- or 4-byte forms, nothing above U+10FFFF.
/// Sets `len` to the bytes consumed (≥ 1). Returns -1 for an invalid sequence (then len == 1).
inline std::int32_t decode_utf8(const unsigned char* p, const unsigned char* end,
                                std::size_t& len) noexcept {
    const std::uint32_t b0 = p[0];
    len = 1;
    if (b0 < 0x80) {
        return static_cast<std::int32_t>(b0);
    }
    auto cont = [](std::uint32_t b) noexcept { return (b & 0xC0) == 0x80; };
    const auto avail = static_cast<std::size_t>(end - p);
    if (b0 < 0xC2 || b0 > 0xF4) {
        return -1;
    }
    if (b0 < 0xE0) {
        if (avail < 2 || !cont(p[1])) {
            return -1;
        }
        len = 2;
        return static_cast<std::int32_t>(((b0 & 0x1F) << 6) | (p[1] & 0x3Fu));
    }
    if (b0 < 0xF0) {
        if (avail < 3 || !cont(p[1]) || !cont(p[2]) || (b0 == 0xED && p[1] > 0x9F)) {
            return -1;
        }
        const std::uint32_t cp = ((b0 & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (cp < 0x800) {
            return -1;
        }
        len = 3;
        return static_cast<std::int32_t>(cp);
    }
    if (avail < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3]) || (b0 == 0xF0 && p[1] < 0x90) ||
        (b0 == 0xF4 && p[1] > 0x8F)) {
        return -1;
    }
    len = 4;
    return static_cast<std::int32_t>(((b0 & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) |
                                     ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu));
}

/// k_word / k_digit flags of every code point below U+0800 (Latin, Greek, Cyrillic, Hebrew,
/// Arabic…), built once with utf8proc; thread-safe initialisation.
inline const std::array<std::uint8_t, 0x800>& small_cp_flags() noexcept {
    static const std::array<std::uint8_t, 0x800> table = [] {
        std::array<std::uint8_t, 0x800> t{};
        for (std::int32_t cp = 0; cp < 0x800; ++cp) {
            t[static_cast<std::size_t>(cp)] = static_cast<std::uint8_t>(
                (word_cp(cp) ? k_word : 0) | (digit_cp(cp) ? k_digit : 0));
        }
        return t;
    }();
    return table;
}

/// k_word / k_digit flags of a code point (-1, an invalid sequence, has none).
inline std::uint8_t cp_flags(std::int32_t cp,
                             const std::array<std::uint8_t, 0x800>& small) noexcept {
    if (cp >= 0 && cp < 0x800) {
        return small[static_cast<std::size_t>(cp)];
    }
    if (cp < 0 || cp > 0x10FFFF) {
        return 0;
    }
    const utf8proc_category_t c = utf8proc_category(cp);
    if (c == UTF8PROC_CATEGORY_ND) {
        return k_word | k_digit;
    }
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ? k_word : 0;
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
