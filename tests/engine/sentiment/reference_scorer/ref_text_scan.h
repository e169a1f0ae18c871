// FROZEN COPY of engine/sentiment/src/text_scan.h before the speed-up (see reference_scorer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pulso::sentiment_reference {

/// How the tokeniser treats a code point.
enum class cp_class : std::uint8_t {
    separator, ///< white space, punctuation, symbols that are not emoji, invalid bytes
    boundary, ///< clause punctuation (, . ; : ! ? ¡ ¿): a separator that also ends negation scope
    letter,   ///< part of a word: letters, digits, '_', and any other non-ASCII letter
    emoji,    ///< a pictographic code point: a token of its own
    ignorable, ///< joiners, variation selectors, skin tones, keycaps: skipped, do not split words
};

/// One decoded code point: its value and its length in bytes (>= 1 even for invalid input).
struct decoded {
    char32_t cp;
    std::uint32_t len;
};

/// Decodes the UTF-8 sequence at `p` (at most `n` bytes available). Invalid or truncated
/// sequences decode as U+FFFD of length 1, so the caller always advances.
inline decoded decode_utf8(const unsigned char* p, std::size_t n) noexcept {
    const unsigned c = p[0];
    if (c < 0x80) {
        return {c, 1};
    }
    auto cont = [&](std::size_t i) noexcept { return i < n && (p[i] & 0xC0U) == 0x80U; };
    if (c >= 0xC2 && c <= 0xDF && cont(1)) {
        return {static_cast<char32_t>(((c & 0x1FU) << 6) | (p[1] & 0x3FU)), 2};
    }
    if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
        const char32_t cp = ((c & 0x0FU) << 12) | ((p[1] & 0x3FU) << 6) | (p[2] & 0x3FU);
        if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
            return {cp, 3};
        }
    } else if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
        const char32_t cp =
            ((c & 0x07U) << 18) | ((p[1] & 0x3FU) << 12) | ((p[2] & 0x3FU) << 6) | (p[3] & 0x3FU);
        if (cp >= 0x10000 && cp <= 0x10FFFF) {
            return {cp, 4};
        }
    }
    return {0xFFFD, 1};
}

/// ASCII classes, one table lookup on the hot path.
struct ascii_table {
    cp_class cls[128];
    constexpr ascii_table() noexcept : cls{} {
        for (int i = 0; i < 128; ++i) {
            cls[i] = cp_class::separator;
        }
        for (int i = 'a'; i <= 'z'; ++i) {
            cls[i] = cp_class::letter;
        }
        for (int i = 'A'; i <= 'Z'; ++i) {
            cls[i] = cp_class::letter;
        }
        for (int i = '0'; i <= '9'; ++i) {
            cls[i] = cp_class::letter;
        }
        cls[static_cast<int>('_')] = cp_class::letter;
        for (const char c : {',', '.', ';', ':', '!', '?'}) {
            cls[static_cast<int>(c)] = cp_class::boundary;
        }
    }
};
inline constexpr ascii_table ascii_classes{};

/// Classifies a code point. Coarse on purpose: it only has to split words the same way in the
/// raw and the normalised text, and to tell emoji from letters.
inline cp_class classify(char32_t cp) noexcept {
    if (cp < 0x80) {
        return ascii_classes.cls[cp];
    }
    if (cp < 0xC0) {
        return (cp == 0xA1 || cp == 0xBF) ? cp_class::boundary : cp_class::separator;
    }
    if (cp < 0x2000) {
        return (cp == 0xD7 || cp == 0xF7) ? cp_class::separator : cp_class::letter;
    }
    if (cp < 0x2070) {
        if (cp == 0x200D || cp == 0x200C) {
            return cp_class::ignorable;
        }
        return cp == 0x203C || cp == 0x2049 ? cp_class::emoji : cp_class::separator;
    }
    if (cp < 0x20D0) {
        return cp_class::separator;
    }
    if (cp < 0x2100) {
        return cp_class::ignorable; // combining marks for symbols, e.g. the keycap U+20E3
    }
    if (cp < 0x2C00) {
        return cp_class::emoji; // letterlike symbols, arrows, technical, dingbats, ...
    }
    if (cp < 0x2E00) {
        return cp_class::letter;
    }
    if (cp < 0x3040) {
        return cp == 0x3030 || cp == 0x303D ? cp_class::emoji : cp_class::separator;
    }
    if (cp >= 0xFE00 && cp <= 0xFE0F) {
        return cp_class::ignorable;
    }
    if ((cp >= 0xFE10 && cp <= 0xFE6F) || cp == 0xFFFD || cp == 0xFEFF) {
        return cp_class::separator;
    }
    if (cp < 0x1F000) {
        return cp_class::letter;
    }
    if (cp < 0x1FB00) {
        return (cp >= 0x1F3FB && cp <= 0x1F3FF) ? cp_class::ignorable : cp_class::emoji;
    }
    if (cp >= 0xE0000) {
        return cp_class::ignorable;
    }
    return cp_class::letter;
}

/// Letter case of a code point, for CAPS emphasis in the raw text: +1 upper, -1 lower, 0 none.
/// Covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic: what es/en/pt text uses.
inline int letter_case(char32_t cp) noexcept {
    if (cp < 0x80) {
        return (cp >= 'A' && cp <= 'Z') ? 1 : (cp >= 'a' && cp <= 'z') ? -1 : 0;
    }
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
        return 1;
    }
    if (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) {
        return -1;
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        return (cp & 1U) == 0 ? 1 : -1;
    }
    if (cp >= 0x391 && cp <= 0x3A9) {
        return 1;
    }
    if (cp >= 0x3B1 && cp <= 0x3C9) {
        return -1;
    }
    if (cp >= 0x400 && cp <= 0x42F) {
        return 1;
    }
    if (cp >= 0x430 && cp <= 0x45F) {
        return -1;
    }
    return 0;
}

/// True for an apostrophe (' or U+2019) that joins two word characters, as in don't.
inline bool is_apostrophe(char32_t cp) noexcept {
    return cp == '\'' || cp == 0x2019;
}

} // namespace pulso::sentiment_reference
