#include "eval_normalize.h"

#include <cstdint>

namespace pulso::sentiment_eval {

namespace {

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Base letters of U+00C0..U+00FF after case folding and accent removal ('\0': keep as is).
constexpr char latin1_base[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // C0-CF
    0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   0,   'u', 'u', 'u', 'u', 'y', 0,   0,   // D0-DF
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // E0-EF
    0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   0,   'u', 'u', 'u', 'u', 'y', 0,   'y', // F0-FF
};

} // namespace

std::string normalize_for_eval(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    bool pending_space = false;
    for (std::size_t i = 0; i < n;) {
        char32_t cp = s[i];
        std::size_t len = 1;
        if (cp >= 0xC0 && cp < 0xE0 && i + 1 < n) {
            cp = ((cp & 0x1F) << 6) | (s[i + 1] & 0x3F);
            len = 2;
        } else if (cp >= 0xE0 && cp < 0xF0 && i + 2 < n) {
            cp = ((cp & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            len = 3;
        } else if (cp >= 0xF0 && i + 3 < n) {
            cp = ((cp & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
                 (s[i + 3] & 0x3F);
            len = 4;
        }
        i += len;
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0) {
            pending_space = !out.empty();
            continue;
        }
        if (cp >= 0x300 && cp <= 0x36F) {
            continue; // combining marks
        }
        if (pending_space) {
            out += ' ';
            pending_space = false;
        }
        if (cp >= 'A' && cp <= 'Z') {
            cp += 'a' - 'A';
        } else if (cp >= 0xC0 && cp <= 0xFF && latin1_base[cp - 0xC0] != 0) {
            cp = static_cast<unsigned char>(latin1_base[cp - 0xC0]);
        } else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
            cp += 0x20;
        } else if (cp >= 0x100 && cp <= 0x17F && (cp & 1U) == 0) {
            cp += 1;
        }
        append_utf8(out, cp);
    }
    return out;
}

} // namespace pulso::sentiment_eval
