#include "pulso/text/normalizer.h"

#include "utf8_internal.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
        std::uint8_t n = 0;     ///< code points in the normalised form
        bool cached = false;    ///< false: longer than 4 code points, use utf8proc
        bool has_space = false; ///< some code point of the form is white space: emit one by one
        std::uint8_t bytes = 0; ///< UTF-8 length of the form (when !has_space)
        std::array<std::int32_t, 4> cps{};
        /// The form in UTF-8 (when !has_space), zero padded: copied 16 bytes at a time.
        std::array<char, 16> utf8{};
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
                std::size_t b = 0;
                for (std::size_t k = 0; k < x.n; ++k) {
                    x.has_space = x.has_space || space_cp(x.cps[k]);
                    b += static_cast<std::size_t>(utf8proc_encode_char(
                        x.cps[k], reinterpret_cast<utf8proc_uint8_t*>(x.utf8.data() + b)));
                }
                x.bytes = static_cast<std::uint8_t>(b); // ≤ 4 code points of ≤ 3 bytes
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

void normalizer::grow(std::size_t need) {
    // Only grows: steady state never reallocates. Doubling keeps growth amortised.
    out_.resize(std::max(need, out_.size() * 2));
}

inline void normalizer::ensure_room(std::size_t used, std::size_t extra) {
    if (out_.size() < used + extra) [[unlikely]] {
        grow(used + extra);
    }
}

namespace {

/// Appends the UTF-8 encoding of a valid code point at `dst` (room ensured by the caller).
inline std::size_t encode_utf8(std::int32_t cp, char* dst) noexcept {
    const auto u = static_cast<std::uint32_t>(cp);
    if (u < 0x80) {
        dst[0] = static_cast<char>(u);
        return 1;
    }
    if (u < 0x800) {
        dst[0] = static_cast<char>(0xC0 | (u >> 6));
        dst[1] = static_cast<char>(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        dst[0] = static_cast<char>(0xE0 | (u >> 12));
        dst[1] = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
        dst[2] = static_cast<char>(0x80 | (u & 0x3F));
        return 3;
    }
    dst[0] = static_cast<char>(0xF0 | (u >> 18));
    dst[1] = static_cast<char>(0x80 | ((u >> 12) & 0x3F));
    dst[2] = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    dst[3] = static_cast<char>(0x80 | (u & 0x3F));
    return 4;
}

} // namespace

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
    // itself; plus one pending space and the 16-byte copies of table forms.
    ensure_room(w, len * 8 + 16);
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
        w += encode_utf8(cp, dst + w);
    };

    const std::size_t w0 = w;
    const small_cp_table& table = small_cps();
    const std::string_view s(run, len);
    const auto* u = reinterpret_cast<const unsigned char*>(run);
    bool simple = true;
    for (std::size_t i = 0; i < len && simple;) {
        std::size_t n = 0;
        const std::int32_t cp = decode_utf8(u + i, u + len, n); // utf8proc_iterate's rules
        if (cp < 0) {
            i += n;
            continue; // invalid byte: dropped
        }
        if (cp < 0x800) {
            const auto& e = table.e[static_cast<std::size_t>(cp - 0x80)];
            if (!e.cached) {
                simple = false;
                break;
            }
            i += n;
            if (!e.has_space) {
                std::memcpy(dst + w, e.utf8.data(), e.utf8.size());
                w += e.bytes;
                continue;
            }
            for (std::uint8_t k = 0; k < e.n; ++k) {
                emit(e.cps[k]);
            }
            continue;
        }
        const utf8proc_property_t* p = utf8proc_get_property(cp);
        if (p->category == UTF8PROC_CATEGORY_MN || p->category == UTF8PROC_CATEGORY_MC ||
            p->category == UTF8PROC_CATEGORY_ME) {
            i += n;
            continue; // STRIPMARK
        }
        if (p->decomp_seqindex == UINT16_MAX && p->casefold_seqindex == UINT16_MAX &&
            p->combining_class == 0 && p->comb_index == UINT16_MAX && !is_hangul(cp)) {
            if (space_cp(cp)) {
                emit(cp);
            } else {
                // Unchanged: its valid input bytes are its encoding.
                for (std::size_t k = 0; k < n; ++k) {
                    dst[w + k] = run[i + k];
                }
                w += n;
            }
            i += n;
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
    ensure_room(w, static_cast<std::size_t>(r) * 4 + 16);
    dst = out_.data();
    for (utf8proc_ssize_t k = 0; k < r; ++k) {
        // Normalised code points are valid scalars; room for their encoding ensured above.
        emit(cps_[static_cast<std::size_t>(k)]);
    }
    return w;
}

namespace {

/// Lower-cases 16 bytes into `out` (all 16 written) and returns how many of the first `avail`
/// (1..16) the ASCII path takes as they are: up to the first byte that is ≥ 0x80, a control
/// byte (< 0x20, which includes \t \n \v \f \r), or a space that follows a space (the byte
/// before the block is a space when `space_before`).
inline unsigned ascii_block(const unsigned char* in, unsigned avail, bool space_before,
                            char* out) noexcept {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    // Signed compares: bytes ≥ 0x80 are negative, so they count as "< 0x20" and never as A-Z.
    const auto ctrl =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
    const auto sp = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    v = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
#else
    unsigned ctrl = 0;
    unsigned sp = 0;
    for (unsigned b = 0; b < 16; ++b) {
        const unsigned char c = in[b];
        ctrl |= static_cast<unsigned>(c < 0x20 || c >= 0x80) << b;
        sp |= static_cast<unsigned>(c == ' ') << b;
        out[b] = c < 0x80 ? k_ascii_lower[c] : static_cast<char>(c);
    }
#endif
    const unsigned special =
        ctrl | (sp & ((sp << 1) | (space_before ? 1U : 0U))) | (~0U << avail) | 0x10000U;
    return static_cast<unsigned>(std::countr_zero(special));
}

} // namespace

std::string_view normalizer::normalize(std::string_view utf8) {
    const char* p = utf8.data();
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    const std::size_t n = utf8.size();
    // Invariant: out_.size() ≥ w + (n - i) + 16, so that the ASCII path (output never longer
    // than the input it consumes) may always store 16 bytes; a non-ASCII run re-ensures it.
    ensure_room(0, n + 16);
    char* dst = out_.data();
    std::size_t w = 0;
    std::size_t i = 0;
    while (i < n) {
        // ASCII 16 bytes at a time: lower-case and copy up to the first special byte.
        unsigned used = 0;
        do {
            const std::size_t left = n - i;
            const bool space_before = w == 0 || dst[w - 1] == ' ';
            if (left >= 16) [[likely]] {
                used = ascii_block(u + i, 16, space_before, dst + w);
            } else {
                // The tail: the 16 bytes ending at the text's end (bytes before i are already
                // done), moved down so that byte i comes first; short texts go through a copy.
                alignas(16) std::array<unsigned char, 32> tmp{};
                if (n >= 16) {
                    std::memcpy(tmp.data(), u + n - 16, 16);
                    used = ascii_block(tmp.data() + 16 - left, static_cast<unsigned>(left),
                                       space_before, dst + w);
                } else {
                    for (std::size_t k = 0; k < left; ++k) {
                        tmp[k] = u[i + k];
                    }
                    used =
                        ascii_block(tmp.data(), static_cast<unsigned>(left), space_before, dst + w);
                }
            }
            w += used;
            i += used;
        } while (used == 16 && i < n);
        if (i >= n) {
            break;
        }
        const unsigned char c = u[i];
        if (c < 0x80) {
            // White space (collapsed), or another control byte (kept as it is).
            if ((k_ascii_class[c] & k_space) == 0) {
                dst[w++] = static_cast<char>(c);
            } else if (w != 0 && dst[w - 1] != ' ') {
                dst[w++] = ' ';
            }
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < n && u[j] >= 0x80) {
            ++j;
        }
        if (j - i == 2 && c >= 0xC2 && c < 0xE0 && (u[i + 1] & 0xC0) == 0x80) {
            // The most common run: one 2-byte code point between ASCII bytes (é, ñ, ç).
            const auto cp = static_cast<std::size_t>(((c & 0x1FU) << 6) | (u[i + 1] & 0x3FU));
            const auto& e = small_cps().e[cp - 0x80];
            if (e.cached && !e.has_space) {
                ensure_room(w, (n - j) + 16 + e.utf8.size());
                dst = out_.data();
                std::memcpy(dst + w, e.utf8.data(), e.utf8.size());
                w += e.bytes;
                i = j;
                continue;
            }
        }
        w = normalize_run(p + i, j - i, w);
        i = j;
        ensure_room(w, (n - i) + 16);
        dst = out_.data();
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
