#include "pulso/text/normalizer.h"

#include "utf8_internal.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace pulso {

namespace {

using namespace text_detail;

constexpr auto k_options = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);

constexpr std::array<char, 128> k_ascii_lower = [] {
    std::array<char, 128> t{};
    for (int c = 0; c < 128; ++c) {
        t[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return t;
}();

/// Normalised form of each code point U+0080..U+07FF on its own (Latin, Greek, Cyrillic,
/// Hebrew, Arabic letters and their marks), computed once with utf8proc.
struct small_cp_table {
    struct entry {
        std::uint8_t n = 0;  ///< code points in the normalised form
        bool cached = false; ///< false: longer than 4 code points, use utf8proc
        std::array<std::int32_t, 4> cps{};
    };
    std::array<entry, 0x800 - 0x80> e{};

    small_cp_table() {
        std::array<utf8proc_int32_t, 32> buf{};
        for (std::int32_t cp = 0x80; cp < 0x800; ++cp) {
            std::array<utf8proc_uint8_t, 4> utf8{};
            const auto len = utf8proc_encode_char(cp, utf8.data());
            auto r = utf8proc_decompose(utf8.data(), len, buf.data(),
                                        static_cast<utf8proc_ssize_t>(buf.size()), k_options);
            if (r >= 0 && r <= static_cast<utf8proc_ssize_t>(buf.size())) {
                r = utf8proc_normalize_utf32(buf.data(), r, k_options);
            }
            entry& x = e[static_cast<std::size_t>(cp - 0x80)];
            if (r >= 0 && r <= 4) {
                x.cached = true;
                x.n = static_cast<std::uint8_t>(r);
                std::copy_n(buf.begin(), r, x.cps.begin());
            }
        }
    }
};

const small_cp_table& small_cps() {
    static const small_cp_table t; // built once, thread-safe initialisation
    return t;
}

bool is_hangul(std::int32_t cp) noexcept {
    return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) ||
           (cp >= 0xAC00 && cp <= 0xD7FF);
}

} // namespace

void normalizer::ensure_room(std::size_t used, std::size_t extra) {
    if (out_.size() < used + extra) {
        // Only grows: steady state never reallocates. Doubling keeps growth amortised.
        out_.resize(std::max(used + extra, out_.size() * 2));
    }
}

// Why runs: NFKC + case fold + mark stripping of an ASCII byte is just lower-casing, and no
// canonical composition or reordering crosses an ASCII character once combining marks are
// stripped (every composition partner of an ASCII base is a mark). So maximal runs of
// non-ASCII bytes can be normalised on their own and the result equals normalising the whole
// text at once (the randomised test checks this against utf8proc_map).
//
// Inside a run, code points that cannot interact with their neighbours are mapped one by one:
// U+0080..U+07FF through a table (after mark stripping no composition partner remains below
// U+0800), marks to nothing, and "inert" code points (no decomposition, no case folding,
// combining class 0, in no composition pair, not Hangul, e.g. emoji) to themselves. Any other
// code point sends the whole run through utf8proc_decompose + utf8proc_normalize_utf32.
std::size_t normalizer::normalize_run(const char* run, std::size_t len, std::size_t w) {
    // Each input code point (≥ 2 bytes here) yields at most 4 code points of ≤ 4 bytes, or
    // itself; plus one pending space.
    ensure_room(w, len * 8 + 1);
    char* dst = out_.data();
    // White space is written eagerly as one ' ' unless the output is empty or already ends in
    // one (a normalised non-space never encodes to ' '); normalize() trims the end.
    auto emit = [&](std::int32_t cp) {
        if (space_cp(cp)) {
            if (w != 0 && dst[w - 1] != ' ') {
                dst[w++] = ' ';
            }
            return;
        }
        w += static_cast<std::size_t>(
            utf8proc_encode_char(cp, reinterpret_cast<utf8proc_uint8_t*>(dst + w)));
    };

    const std::size_t w0 = w;
    const small_cp_table& table = small_cps();
    const std::string_view s(run, len);
    bool simple = true;
    for (std::size_t i = 0; i < len && simple;) {
        std::size_t n = 0;
        const std::int32_t cp = decode_at(s, i, n);
        i += n;
        if (cp < 0) {
            continue; // invalid byte: dropped
        }
        if (cp < 0x800) {
            const auto& e = table.e[static_cast<std::size_t>(cp - 0x80)];
            if (!e.cached) {
                simple = false;
                break;
            }
            for (std::uint8_t k = 0; k < e.n; ++k) {
                emit(e.cps[k]);
            }
            continue;
        }
        const utf8proc_property_t* p = utf8proc_get_property(cp);
        if (p->category == UTF8PROC_CATEGORY_MN || p->category == UTF8PROC_CATEGORY_MC ||
            p->category == UTF8PROC_CATEGORY_ME) {
            continue; // STRIPMARK
        }
        if (p->decomp_seqindex == UINT16_MAX && p->casefold_seqindex == UINT16_MAX &&
            p->combining_class == 0 && p->comb_index == UINT16_MAX && !is_hangul(cp)) {
            emit(cp);
            continue;
        }
        simple = false;
    }
    if (simple) {
        return w;
    }
    w = w0;

    auto decompose = [this](const char* p, std::size_t n) {
        return utf8proc_decompose(reinterpret_cast<const utf8proc_uint8_t*>(p),
                                  static_cast<utf8proc_ssize_t>(n), cps_.data(),
                                  static_cast<utf8proc_ssize_t>(cps_.size()), k_options);
    };
    if (cps_.size() < 64) {
        cps_.resize(256);
    }
    utf8proc_ssize_t r = decompose(run, len);
    if (r == UTF8PROC_ERROR_INVALIDUTF8) {
        // Drop each byte that does not start a valid sequence, then decompose what is left.
        clean_.clear();
        for (std::size_t i = 0; i < len;) {
            std::size_t n = 0;
            if (decode_at(s, i, n) >= 0) {
                clean_.append(run + i, n);
            }
            i += n;
        }
        run = clean_.data();
        len = clean_.size();
        r = decompose(run, len);
    }
    if (r > static_cast<utf8proc_ssize_t>(cps_.size())) {
        cps_.resize(static_cast<std::size_t>(r) * 2);
        r = decompose(run, len);
    }
    if (r <= 0) {
        return w; // empty, or utf8proc failed (overflow): the run is dropped
    }
    r = utf8proc_normalize_utf32(cps_.data(), r, k_options);
    if (r <= 0) {
        return w;
    }
    ensure_room(w, static_cast<std::size_t>(r) * 4 + 1);
    dst = out_.data();
    for (utf8proc_ssize_t k = 0; k < r; ++k) {
        // Normalised code points are valid scalars; room for their encoding ensured above.
        emit(cps_[static_cast<std::size_t>(k)]);
    }
    return w;
}

std::string_view normalizer::normalize(std::string_view utf8) {
    constexpr std::uint64_t k_ones = 0x0101010101010101ULL;
    constexpr std::uint64_t k_high = 0x8080808080808080ULL;
    const char* p = utf8.data();
    const std::size_t n = utf8.size();
    // ASCII output never exceeds the input consumed; a non-ASCII run re-ensures room.
    ensure_room(0, n + 1);
    char* dst = out_.data();
    std::size_t w = 0;
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time (SWAR): lower-case A-Z and copy, when the block holds no
        // control byte, no two adjacent spaces, and does not start with a space that would
        // follow another space (or lead the text).
        while (i + 8 <= n) {
            std::uint64_t x = 0;
            std::memcpy(&x, p + i, 8);
            if ((x & k_high) != 0 || ((x + 0x60 * k_ones) & k_high) != k_high) {
                break; // non-ASCII or a byte < 0x20 (tab, newline, ...): byte loop
            }
            const std::uint64_t y = x ^ (0x20 * k_ones);
            const std::uint64_t sp = ~(((y & 0x7F * k_ones) + 0x7F * k_ones)) & k_high;
            if ((sp & (sp << 8)) != 0 || ((sp & 0x80) != 0 && (w == 0 || dst[w - 1] == ' '))) {
                break;
            }
            // Per byte b < 0x80: b + 0x3F has the high bit iff b ≥ 'A'; b + 0x25 iff b > 'Z'.
            const std::uint64_t upper = (x + 0x3F * k_ones) & ~(x + 0x25 * k_ones) & k_high;
            x |= upper >> 2;
            std::memcpy(dst + w, &x, 8);
            w += 8;
            i += 8;
        }
        // Byte loop up to the next block boundary or non-ASCII byte.
        const std::size_t stop = std::min(n, i + 8);
        while (i < stop && static_cast<unsigned char>(p[i]) < 0x80) {
            const auto c = static_cast<unsigned char>(p[i++]);
            if ((k_ascii_class[c] & k_space) != 0) {
                if (w != 0 && dst[w - 1] != ' ') {
                    dst[w++] = ' ';
                }
            } else {
                dst[w++] = k_ascii_lower[c];
            }
        }
        if (i < n && static_cast<unsigned char>(p[i]) >= 0x80) {
            std::size_t j = i;
            while (j < n && static_cast<unsigned char>(p[j]) >= 0x80) {
                ++j;
            }
            w = normalize_run(p + i, j - i, w);
            i = j;
            ensure_room(w, n - i + 1);
            dst = out_.data();
        }
    }
    if (w != 0 && dst[w - 1] == ' ') {
        --w;
    }
    return {out_.data(), w};
}

std::string normalize_copy(std::string_view utf8) {
    normalizer n;
    return std::string(n.normalize(utf8));
}

bool is_word_char(char32_t cp) noexcept {
    return cp <= 0x10FFFF && word_cp(static_cast<std::int32_t>(cp));
}

} // namespace pulso
