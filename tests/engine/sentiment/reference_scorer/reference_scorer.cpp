// FROZEN COPY of engine/sentiment/src/lexicon_scorer.cpp as it was before the 2x speed-up
// (commit 22488e9), kept only as the bit-for-bit reference of reference_scorer_test.cpp.
// Do not optimise or "fix" it: a behaviour change must be made in the library and
// acknowledged here deliberately.
#include "reference_scorer.h"

#include "ref_lexicon_table.h"
#include "ref_text_scan.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pulso::sentiment_reference {

namespace {

// VADER's constants (Hutto & Gilbert 2014).
constexpr float caps_increment = 0.733F;   // C_INCR: an ALL-CAPS word among others
constexpr float negation_scalar = -0.74F;  // N_SCALAR
constexpr float exclamation_step = 0.292F; // per '!', up to 4
constexpr int max_exclamations = 4;
constexpr float question_step = 0.18F;
constexpr float question_max = 0.96F;
constexpr float normalization_alpha = 15.0F;
constexpr float contrast_before = 0.5F;
constexpr float contrast_after = 1.5F;
constexpr int negation_window = 3;

// Work per call is bounded: texts are cut at this many tokens (a 150-byte mention has ~25).
constexpr int max_tokens = 256;

enum class token_type : std::uint8_t { word, emoji, emoticon };

// Trivially default-constructible on purpose: the per-call array of 256 is left uninitialised
// (zeroing 8 KiB per call cost a fifth of the time).
struct token {
    const char* data;
    std::uint32_t size;
    token_type type;
    bool boundary_before; // clause punctuation between this token and the previous one
    bool caps;            // ALL CAPS in the raw text (words only)
    std::uint64_t hash;

    [[nodiscard]] std::string_view text() const noexcept { return {data, size}; }
};
static_assert(std::is_trivially_default_constructible_v<token>);

// Fills the fields in place: building a temporary and copying it caused store-forwarding stalls.
void set_token(token& t, std::string_view text, token_type type, bool boundary,
               std::uint64_t hash) noexcept {
    t.data = text.data();
    t.size = static_cast<std::uint32_t>(text.size());
    t.type = type;
    t.boundary_before = boundary;
    t.caps = false;
    t.hash = hash;
}

struct unit {
    term_kind kind;
    float value;
    bool boundary_before;
    bool caps;
    std::uint16_t first_token;
};
static_assert(std::is_trivially_default_constructible_v<unit>);

int language_slot(std::string_view lang) noexcept {
    if (lang.size() < 2 || (lang.size() > 2 && lang[2] != '-' && lang[2] != '_')) {
        return 3;
    }
    const char a = lang[0];
    const char b = lang[1];
    if (a == 'e' && b == 'n') {
        return 0;
    }
    if (a == 'e' && b == 's') {
        return 1;
    }
    if (a == 'p' && b == 't') {
        return 2;
    }
    return 3;
}

bool is_ascii_punct(unsigned char c) noexcept {
    return c > 0x20 && c < 0x7F && ascii_classes.cls[c] != cp_class::letter;
}

// Length of the word starting at `i`: letters, ignorables, and apostrophes between letters.
// With CountCase, also counts upper- and lower-case letters (for CAPS in the raw text).
// `i` may already be inside the word that began at `start`.
template <bool CountCase>
std::size_t scan_word(const unsigned char* s, std::size_t n, std::size_t start, std::size_t i,
                      int& upper_out, int& lower_out) noexcept {
    int upper = 0; // local counters: updating through the references cost a store per byte
    int lower = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) [[likely]] {
            if (ascii_classes.cls[c] == cp_class::letter) {
                if constexpr (CountCase) {
                    upper += (c >= 'A' && c <= 'Z') ? 1 : 0;
                    lower += (c >= 'a' && c <= 'z') ? 1 : 0;
                }
                ++i;
                continue;
            }
            if (c != '\'') {
                break;
            }
        }
        const auto d = decode_utf8(s + i, n - i);
        const cp_class cls = classify(d.cp);
        if (cls == cp_class::letter || cls == cp_class::ignorable) {
            if constexpr (CountCase) {
                const int lc = letter_case(d.cp);
                upper += lc > 0 ? 1 : 0;
                lower += lc < 0 ? 1 : 0;
            }
            i += d.len;
            continue;
        }
        if (is_apostrophe(d.cp) && i > start && i + d.len < n) {
            const auto next = decode_utf8(s + i + d.len, n - i - d.len);
            if (classify(next.cp) == cp_class::letter) {
                i += d.len;
                continue;
            }
        }
        break;
    }
    upper_out = upper;
    lower_out = lower;
    return i - start;
}

// Length of the word at `i` in normalised text. The common case, a run of [a-z0-9_], is found
// 16 bytes at a time: a byte loop mispredicts its exit once per word, which cost more than
// everything else per token. Anything else (non-ASCII, apostrophes) continues in scan_word.
std::size_t word_length(const unsigned char* s, std::size_t n, std::size_t i) noexcept {
    std::size_t j = i;
#if defined(__SSE2__)
    const __m128i a = _mm_set1_epi8('a');
    const __m128i zero = _mm_set1_epi8('0');
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    const __m128i letters = _mm_set1_epi8(static_cast<char>(26 - 128));
    const __m128i digits = _mm_set1_epi8(static_cast<char>(10 - 128));
    const __m128i underscore = _mm_set1_epi8('_');
    while (j + 16 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
        // (c - 'a') < 26 unsigned, as a signed compare after flipping the top bit.
        const __m128i is_letter = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, a), bias), letters);
        const __m128i is_digit = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, zero), bias), digits);
        const __m128i is_word =
            _mm_or_si128(_mm_or_si128(is_letter, is_digit), _mm_cmpeq_epi8(v, underscore));
        const unsigned stop = ~static_cast<unsigned>(_mm_movemask_epi8(is_word)) & 0xFFFFU;
        if (stop != 0) {
            j += static_cast<std::size_t>(std::countr_zero(stop));
            break;
        }
        j += 16;
    }
    if (j < n && j > i) {
        const unsigned char c = s[j];
        if (c < 0x80 && c != '\'' && ascii_classes.cls[c] != cp_class::letter) {
            return j - i; // ended on ASCII punctuation or space: the usual case
        }
    }
#endif
    int unused_upper = 0;
    int unused_lower = 0;
    return scan_word<false>(s, n, i, j, unused_upper, unused_lower);
}

bool ends_with_nt(std::string_view w) noexcept {
    return (w.size() > 3 && w.substr(w.size() - 3) == "n't") ||
           (w.size() > 5 && w.substr(w.size() - 5) == "n\xE2\x80\x99t");
}

// Tokenises the normalised text into words, emoji and emoticons known to the lexicon.
int tokenize(std::string_view text, const lexicon_table& table, token* out) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    int count = 0;
    bool boundary = false;
    while (i < n && count < max_tokens) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            const cp_class cls = ascii_classes.cls[c];
            if (cls == cp_class::letter) {
                const std::size_t len = word_length(s, n, i);
                const std::string_view w = text.substr(i, len);
                set_token(out[count++], w, token_type::word, boundary,
                          token_hash(w.data(), len, n - i));
                boundary = false;
                i += len;
                continue;
            }
            if (c == ' ' || !is_ascii_punct(c)) {
                ++i;
                continue;
            }
            // A run of ASCII punctuation: an emoticon such as :) ;( :-d, or clause punctuation.
            std::size_t j = i;
            bool has_face = false;
            while (j < n && is_ascii_punct(s[j])) {
                has_face = has_face || s[j] == ':' || s[j] == ';' || s[j] == '=';
                ++j;
            }
            // :d :p ;p :-d -- a single letter closing the face, not followed by another letter.
            if (has_face && j < n && (s[j] == 'd' || s[j] == 'p') &&
                (s[j - 1] == ':' || s[j - 1] == ';' || s[j - 1] == '=' || s[j - 1] == '-') &&
                (j + 1 == n || ascii_classes.cls[s[j + 1] & 0x7F] != cp_class::letter ||
                 s[j + 1] >= 0x80)) {
                ++j;
            }
            const std::string_view run = text.substr(i, j - i);
            if (has_face && run.size() >= 2 && run.size() <= 4) {
                const std::uint64_t h = token_hash(run);
                if (table.find(h, run) != nullptr) {
                    set_token(out[count++], run, token_type::emoticon, boundary, h);
                    boundary = false;
                    i = j;
                    continue;
                }
            }
            for (std::size_t k = i; k < j; ++k) {
                boundary = boundary || ascii_classes.cls[s[k]] == cp_class::boundary;
            }
            i = j;
            continue;
        }
        const auto d = decode_utf8(s + i, n - i);
        switch (classify(d.cp)) {
        case cp_class::letter: {
            const std::size_t len = word_length(s, n, i);
            const std::string_view w = text.substr(i, len);
            set_token(out[count++], w, token_type::word, boundary,
                      token_hash(w.data(), len, n - i));
            boundary = false;
            i += len;
            break;
        }
        case cp_class::emoji: {
            const std::string_view e = text.substr(i, d.len);
            set_token(out[count++], e, token_type::emoji, boundary,
                      token_hash(e.data(), d.len, n - i));
            boundary = false;
            i += d.len;
            break;
        }
        case cp_class::boundary:
            boundary = true;
            i += d.len;
            break;
        case cp_class::separator:
        case cp_class::ignorable:
            i += d.len;
            break;
        }
    }
    return count;
}

// Emphasis read from the raw text: which words are ALL CAPS, and the '!' and '?' counts.
struct emphasis {
    int words = 0;
    int caps_words = 0;
    int exclamations = 0;
    int questions = 0;
    std::uint64_t caps_bits[max_tokens / 64] = {};
};

void scan_raw(std::string_view text, emphasis& out) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    // Fast pass: count '!' and '?', and look for a place where a CAPS word could be: an ASCII
    // capital next to another capital or a non-ASCII byte. Most mentions have none, and then
    // the word-by-word pass below is skipped. (It misses words of non-ASCII capitals only,
    // such as "ÉÉ": none in es/en/pt.)
    // Branch-free byte loops so that the compiler vectorises them.
    int exclamations = 0;
    int questions = 0;
    for (std::size_t k = 0; k < n; ++k) {
        exclamations += s[k] == '!' ? 1 : 0;
        questions += s[k] == '?' ? 1 : 0;
    }
    out.exclamations = exclamations;
    out.questions = questions;
    unsigned caps_hint = 0;
    for (std::size_t k = 0; k + 1 < n; ++k) {
        const unsigned a = static_cast<unsigned char>(s[k] - 'A') < 26 ? 1U : 0U;
        const unsigned b = static_cast<unsigned char>(s[k + 1] - 'A') < 26 ? 1U : 0U;
        const unsigned high_a = s[k] >> 7;
        const unsigned high_b = s[k + 1] >> 7;
        caps_hint |= (a & (b | high_b)) | (b & high_a);
    }
    const bool maybe_caps = caps_hint != 0;
    if (!maybe_caps) {
        return;
    }
    std::size_t i = 0;
    while (i < n && out.words < max_tokens) {
        const auto d = decode_utf8(s + i, n - i);
        if (classify(d.cp) != cp_class::letter) {
            i += d.len;
            continue;
        }
        int upper = 0;
        int lower = 0;
        i += scan_word<true>(s, n, i, i, upper, lower);
        if (upper >= 2 && lower == 0) {
            out.caps_bits[out.words / 64] |= std::uint64_t{1} << (out.words % 64);
            ++out.caps_words;
        }
        ++out.words;
    }
}

// Finds the term at tokens[i] (the longest phrase first) and fills `u`; returns the number
// of tokens it covers.
int match_unit(const token* tokens, int count, int i, int slot, const lexicon_table& table,
               unit& u) noexcept {
    const token& t = tokens[i];
    u = {term_kind::none, 0.0F, t.boundary_before, false, static_cast<std::uint16_t>(i)};
    if (t.type == token_type::emoticon) {
        // Emoticons come from VADER (English) but mean the same in every language.
        const lexicon_entry* e = table.find(t.hash, t.text());
        if (e != nullptr && e->kind[0] == term_kind::valence) {
            u.kind = term_kind::valence;
            u.value = e->value[0];
        }
        return 1;
    }
    const lexicon_entry* e = table.find(t.hash, t.text());
    if (e != nullptr && e->longest_phrase > 1) {
        int longest = e->longest_phrase;
        for (int k = 1; k < longest; ++k) {
            if (i + k >= count || tokens[i + k].boundary_before ||
                tokens[i + k].type != token_type::word) {
                longest = k;
                break;
            }
        }
        std::string_view words[4];
        std::uint64_t hashes[4];
        std::uint64_t h = t.hash;
        for (int k = 0; k < longest; ++k) {
            words[k] = tokens[i + k].text();
            if (k > 0) {
                h = phrase_hash(h, tokens[i + k].hash);
            }
            hashes[k] = h;
        }
        for (int len = longest; len >= 2; --len) {
            const lexicon_entry* p =
                table.find_phrase(hashes[len - 1], words, static_cast<std::size_t>(len));
            if (p != nullptr && p->kind[slot] != term_kind::none) {
                u.kind = p->kind[slot];
                u.value = p->value[slot];
                return len;
            }
        }
    }
    if (t.type == token_type::word && ends_with_nt(t.text())) {
        u.kind = term_kind::negator;
        return 1;
    }
    if (e != nullptr) {
        u.kind = e->kind[slot];
        u.value = e->value[slot];
    }
    return 1;
}

float sign_of(float v) noexcept {
    return v < 0 ? -1.0F : 1.0F;
}

} // namespace

float reference_score(std::string_view raw, std::string_view normalized,
                      std::string_view lang) noexcept {
    if (normalized.empty()) {
        return 0.0F;
    }
    const lexicon_table& table = lexicon_table::builtin();
    const int slot = language_slot(lang);

    token tokens[max_tokens];
    const int ntok = tokenize(normalized, table, tokens);
    if (ntok == 0) {
        return 0.0F;
    }

    unit units[max_tokens];
    int nunits = 0;
    bool any_valence = false;
    for (int i = 0; i < ntok;) {
        i += match_unit(tokens, ntok, i, slot, table, units[nunits]);
        any_valence = any_valence || units[nunits].kind == term_kind::valence;
        ++nunits;
    }
    if (!any_valence) {
        return 0.0F; // nothing to score, and so no emphasis to read from the raw text
    }

    emphasis emph;
    scan_raw(raw, emph);
    // Per-word CAPS needs the raw and normalised words to line up one to one.
    int nwords = 0;
    for (int i = 0; i < ntok; ++i) {
        nwords += tokens[i].type == token_type::word ? 1 : 0;
    }
    const bool cap_diff =
        emph.caps_words > 0 && emph.caps_words < emph.words && nwords == emph.words;
    if (cap_diff) {
        for (int i = 0, w = 0; i < ntok; ++i) {
            if (tokens[i].type == token_type::word) {
                tokens[i].caps = ((emph.caps_bits[w / 64] >> (w % 64)) & 1U) != 0;
                ++w;
            }
        }
        for (int u = 0; u < nunits; ++u) {
            units[u].caps = tokens[units[u].first_token].caps;
        }
    }

    float sentiment[max_tokens];
    int first_contrast = -1;
    for (int u = 0; u < nunits; ++u) {
        sentiment[u] = 0.0F;
        const unit& cur = units[u];
        if (cur.kind == term_kind::contrast && first_contrast < 0) {
            first_contrast = u;
        }
        if (cur.kind != term_kind::valence) {
            continue;
        }
        float v = cur.value;
        if (cap_diff && cur.caps) {
            v += sign_of(v) * caps_increment;
        }
        bool negated = false;
        for (int d = 1; d <= negation_window && u - d >= 0; ++d) {
            if (units[u - d + 1].boundary_before) {
                break; // negation and boosters do not cross clause punctuation
            }
            const unit& mod = units[u - d];
            if (mod.kind == term_kind::booster) {
                float s = v < 0 ? -mod.value : mod.value;
                if (cap_diff && mod.caps) {
                    s += sign_of(v) * caps_increment;
                }
                s *= d == 1 ? 1.0F : d == 2 ? 0.95F : 0.9F;
                v += s;
            } else if (mod.kind == term_kind::negator) {
                negated = true; // es/pt double negation ("no ... nada") still negates once
            }
        }
        if (negated) {
            v *= negation_scalar;
        }
        sentiment[u] = v;
    }

    float sum = 0.0F;
    for (int u = 0; u < nunits; ++u) {
        float w = 1.0F;
        if (first_contrast >= 0) {
            w = u < first_contrast ? contrast_before : u > first_contrast ? contrast_after : 1.0F;
        }
        sum += sentiment[u] * w;
    }
    if (sum == 0.0F) {
        return 0.0F;
    }
    float punct =
        static_cast<float>(std::min(emph.exclamations, max_exclamations)) * exclamation_step;
    if (emph.questions > 1) {
        punct +=
            emph.questions <= 3 ? static_cast<float>(emph.questions) * question_step : question_max;
    }
    sum += sign_of(sum) * punct;
    const float compound = sum / std::sqrt(sum * sum + normalization_alpha);
    return std::fmax(-1.0F, std::fmin(1.0F, compound));
}

} // namespace pulso::sentiment_reference
