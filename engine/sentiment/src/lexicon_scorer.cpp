#include "pulso/sentiment/lexicon_scorer.h"

#include "lexicon_table.h"
#include "text_scan.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pulso {

namespace {

using sentiment_detail::cp_class;
using sentiment_detail::lexicon_entry;
using sentiment_detail::lexicon_slot;
using sentiment_detail::lexicon_table;
using sentiment_detail::term_kind;

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
    std::uint64_t hash;
    const lexicon_slot* slot; // the token's lexicon slot, looked up once while tokenising
    std::uint32_t size;
    token_type type;
    bool boundary_before; // clause punctuation between this token and the previous one
    std::int16_t word;    // ordinal among the word tokens (for CAPS); -1 for emoji, emoticons

    [[nodiscard]] std::string_view text() const noexcept { return {data, size}; }
};
static_assert(std::is_trivially_default_constructible_v<token>);

// Fills the fields in place: building a temporary and copying it caused store-forwarding stalls.
void set_token(token& t, const char* data, std::size_t size, token_type type, bool boundary,
               std::uint64_t hash, const lexicon_slot* slot, int word) noexcept {
    t.data = data;
    t.hash = hash;
    t.slot = slot;
    t.size = static_cast<std::uint32_t>(size);
    t.type = type;
    t.boundary_before = boundary;
    t.word = static_cast<std::int16_t>(word);
}

// 8 bytes: the per-call array of 256 stays within a few cache lines of the tokens.
struct unit {
    float value; // set for valences and boosters only
    term_kind kind;
    bool boundary_before;
    std::int16_t word; // ordinal of the first token among the words; -1 if not a word
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
    return c > 0x20 && c < 0x7F && sentiment_detail::ascii_classes.cls[c] != cp_class::letter;
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
            if (sentiment_detail::ascii_classes.cls[c] == cp_class::letter) {
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
        const auto d = sentiment_detail::decode_utf8(s + i, n - i);
        const cp_class cls = sentiment_detail::classify(d.cp);
        if (cls == cp_class::letter || cls == cp_class::ignorable) {
            if constexpr (CountCase) {
                const int lc = sentiment_detail::letter_case(d.cp);
                upper += lc > 0 ? 1 : 0;
                lower += lc < 0 ? 1 : 0;
            }
            i += d.len;
            continue;
        }
        if (sentiment_detail::is_apostrophe(d.cp) && i > start && i + d.len < n) {
            const auto next = sentiment_detail::decode_utf8(s + i + d.len, n - i - d.len);
            if (sentiment_detail::classify(next.cp) == cp_class::letter) {
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
        if (c < 0x80 && c != '\'' && sentiment_detail::ascii_classes.cls[c] != cp_class::letter) {
            return j - i; // ended on ASCII punctuation or space: the usual case
        }
    }
#endif
    int unused_upper = 0;
    int unused_lower = 0;
    return scan_word<false>(s, n, i, j, unused_upper, unused_lower);
}

bool ends_with_nt(std::string_view w) noexcept {
    if (w.size() <= 3 || w.back() != 't') {
        return false; // the common case, decided by one byte
    }
    return (w.size() > 3 && w.substr(w.size() - 3) == "n't") ||
           (w.size() > 5 && w.substr(w.size() - 5) == "n\xE2\x80\x99t");
}

// Tokenises the normalised text into words, emoji and emoticons known to the lexicon.
// Looks every word and emoji up as it goes (one probe per token); counts the words.
int tokenize(std::string_view text, const lexicon_table& table, token* out,
             int& words_out) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    int count = 0;
    int words = 0;
    bool boundary = false;
    while (i < n && count < max_tokens) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            const cp_class cls = sentiment_detail::ascii_classes.cls[c];
            if (cls == cp_class::letter) {
                const std::size_t len = word_length(s, n, i);
                const char* w = text.data() + i;
                const std::uint64_t h = sentiment_detail::token_hash(w, len, n - i);
                set_token(out[count++], w, len, token_type::word, boundary, h,
                          table.find_slot(h, w, len), words++);
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
                (j + 1 == n ||
                 sentiment_detail::ascii_classes.cls[s[j + 1] & 0x7F] != cp_class::letter ||
                 s[j + 1] >= 0x80)) {
                ++j;
            }
            const std::string_view run = text.substr(i, j - i);
            if (has_face && run.size() >= 2 && run.size() <= 4) {
                const std::uint64_t h = sentiment_detail::token_hash(run);
                if (const lexicon_slot* e = table.find_slot(h, run.data(), run.size());
                    e != nullptr) {
                    set_token(out[count++], run.data(), run.size(), token_type::emoticon, boundary,
                              h, e, -1);
                    boundary = false;
                    i = j;
                    continue;
                }
            }
            for (std::size_t k = i; k < j; ++k) {
                boundary =
                    boundary || sentiment_detail::ascii_classes.cls[s[k]] == cp_class::boundary;
            }
            i = j;
            continue;
        }
        const auto d = sentiment_detail::decode_utf8(s + i, n - i);
        switch (sentiment_detail::classify(d.cp)) {
        case cp_class::letter: {
            const std::size_t len = word_length(s, n, i);
            const char* w = text.data() + i;
            const std::uint64_t h = sentiment_detail::token_hash(w, len, n - i);
            set_token(out[count++], w, len, token_type::word, boundary, h,
                      table.find_slot(h, w, len), words++);
            boundary = false;
            i += len;
            break;
        }
        case cp_class::emoji: {
            const char* e = text.data() + i;
            const std::uint64_t h = sentiment_detail::token_hash(e, d.len, n - i);
            set_token(out[count++], e, d.len, token_type::emoji, boundary, h,
                      table.find_slot(h, e, d.len), -1);
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
    words_out = words;
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

// Pass 1 of scan_raw: the '!' and '?' counts and the CAPS hint (an ASCII capital next to
// another capital or a non-ASCII byte), 16 bytes at a time. Returns the hint.
bool count_punct_and_hint(const unsigned char* s, std::size_t n, emphasis& out) noexcept {
    int exclamations = 0;
    int questions = 0;
    unsigned hint = 0;
    std::size_t k = 0;
#if defined(__SSE2__)
    const __m128i bang = _mm_set1_epi8('!');
    const __m128i question = _mm_set1_epi8('?');
    const __m128i cap_a = _mm_set1_epi8('A');
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    const __m128i letters = _mm_set1_epi8(static_cast<char>(26 - 128));
    auto block = [&](const unsigned char* p) noexcept {
        const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
        // (c - 'A') < 26 unsigned, as a signed compare after flipping the top bit.
        const auto upper0 = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v0, cap_a), bias), letters)));
        const auto upper1 = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v1, cap_a), bias), letters)));
        const auto high0 = static_cast<unsigned>(_mm_movemask_epi8(v0));
        const auto high1 = static_cast<unsigned>(_mm_movemask_epi8(v1));
        hint |= (upper0 & (upper1 | high1)) | (upper1 & high0);
        const auto b = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v0, bang)));
        const auto q = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v0, question)));
        if ((b | q) != 0) [[unlikely]] {
            exclamations += std::popcount(b);
            questions += std::popcount(q);
        }
    };
    // Pair (k, k + 1) for k in [k, k + 16) reads up to s[k + 16].
    for (; k + 17 <= n; k += 16) {
        block(s + k);
    }
    if (k < n) {
        // The last <= 16 bytes, zero-padded: a zero byte is no capital, no '!', not high.
        alignas(16) unsigned char tail[32] = {};
        std::memcpy(tail, s + k, n - k);
        block(tail);
    }
#else
    for (; k < n; ++k) {
        exclamations += s[k] == '!' ? 1 : 0;
        questions += s[k] == '?' ? 1 : 0;
    }
    for (k = 0; k + 1 < n; ++k) {
        const unsigned a = static_cast<unsigned char>(s[k] - 'A') < 26 ? 1U : 0U;
        const unsigned b = static_cast<unsigned char>(s[k + 1] - 'A') < 26 ? 1U : 0U;
        hint |= (a & (b | (s[k + 1] >> 7U))) | (b & (s[k] >> 7U));
    }
#endif
    out.exclamations = exclamations;
    out.questions = questions;
    return hint != 0;
}

// Scans the word starting at `i` in the raw text (as scan_word<true>) and tells whether it is
// ALL CAPS (two or more capitals, no lower-case letter). Runs of ASCII word characters are
// classified 16 bytes at a time; anything else continues in scan_word. Returns the length.
std::size_t scan_raw_word(const unsigned char* s, std::size_t n, std::size_t i,
                          bool& caps) noexcept {
    std::size_t j = i;
    int upper = 0; // saturated: min(count, 2) per block, enough for "two or more"
    int lower = 0;
#if defined(__SSE2__)
    const __m128i a = _mm_set1_epi8('a');
    const __m128i cap_a = _mm_set1_epi8('A');
    const __m128i zero = _mm_set1_epi8('0');
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    const __m128i letters = _mm_set1_epi8(static_cast<char>(26 - 128));
    const __m128i digits = _mm_set1_epi8(static_cast<char>(10 - 128));
    const __m128i underscore = _mm_set1_epi8('_');
    while (j + 16 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
        const __m128i is_lower = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, a), bias), letters);
        const __m128i is_upper =
            _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, cap_a), bias), letters);
        const __m128i is_digit = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, zero), bias), digits);
        const __m128i is_word = _mm_or_si128(_mm_or_si128(is_lower, is_upper),
                                             _mm_or_si128(is_digit, _mm_cmpeq_epi8(v, underscore)));
        const unsigned stop = ~static_cast<unsigned>(_mm_movemask_epi8(is_word)) & 0xFFFFU;
        const unsigned take = stop == 0 ? 0xFFFFU : (stop & (0U - stop)) - 1U; // bytes before it
        const unsigned up = static_cast<unsigned>(_mm_movemask_epi8(is_upper)) & take;
        lower += (static_cast<unsigned>(_mm_movemask_epi8(is_lower)) & take) != 0 ? 1 : 0;
        upper += (up != 0 ? 1 : 0) + ((up & (up - 1U)) != 0 ? 1 : 0);
        if (stop != 0) {
            j += static_cast<std::size_t>(std::countr_zero(stop));
            const unsigned char c = s[j];
            if (c < 0x80 && c != '\'') {
                caps = upper >= 2 && lower == 0; // ended on ASCII punctuation or space
                return j - i;
            }
            break;
        }
        j += 16;
    }
#endif
    int more_upper = 0;
    int more_lower = 0;
    const std::size_t len = scan_word<true>(s, n, i, j, more_upper, more_lower);
    caps = upper + more_upper >= 2 && lower + more_lower == 0;
    return len;
}

void scan_raw(std::string_view text, emphasis& out) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    // Most mentions have no place where a CAPS word could be, and then the word-by-word pass
    // below is skipped. (The hint misses words of non-ASCII capitals only, such as "ÉÉ": none
    // in es/en/pt.)
    if (!count_punct_and_hint(s, n, out)) {
        return;
    }
    std::size_t i = 0;
    while (i < n && out.words < max_tokens) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (sentiment_detail::ascii_classes.cls[c] != cp_class::letter) {
                ++i;
                continue;
            }
        } else {
            const auto d = sentiment_detail::decode_utf8(s + i, n - i);
            if (sentiment_detail::classify(d.cp) != cp_class::letter) {
                i += d.len;
                continue;
            }
        }
        bool caps = false;
        i += scan_raw_word(s, n, i, caps);
        if (caps) {
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
    u.value = 0.0F;
    u.kind = term_kind::none;
    u.boundary_before = t.boundary_before;
    u.word = t.word;
    const lexicon_slot* e = t.slot;
    if (t.type == token_type::emoticon) {
        // Emoticons come from VADER (English) but mean the same in every language.
        if (e->kind[0] == term_kind::valence) {
            u.kind = term_kind::valence;
            u.value = table.entry_of(*e).value[0];
        }
        return 1;
    }
    if (e != nullptr && e->longest_phrase > 1) [[unlikely]] {
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
                h = sentiment_detail::phrase_hash(h, tokens[i + k].hash);
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
        if (u.kind == term_kind::valence || u.kind == term_kind::booster) {
            u.value = table.entry_of(*e).value[slot]; // the only kinds whose value is read
        }
    }
    return 1;
}

float sign_of(float v) noexcept {
    return v < 0 ? -1.0F : 1.0F;
}

} // namespace

const lexicon_scorer& lexicon_scorer::builtin() {
    static const lexicon_scorer scorer(lexicon_table::builtin());
    return scorer;
}

float lexicon_scorer::score(std::string_view raw, std::string_view normalized,
                            std::string_view lang) const noexcept {
    if (normalized.empty()) {
        return 0.0F;
    }
    const lexicon_table& table = *table_;
    const int slot = language_slot(lang);

    token tokens[max_tokens];
    int nwords = 0;
    const int ntok = tokenize(normalized, table, tokens, nwords);
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
    const bool cap_diff =
        emph.caps_words > 0 && emph.caps_words < emph.words && nwords == emph.words;
    auto caps = [&emph](const unit& x) noexcept {
        return x.word >= 0 && ((emph.caps_bits[x.word / 64] >> (x.word % 64)) & 1U) != 0;
    };

    // The valences in unit order and where they are: the sum below adds exactly the non-zero
    // terms of "sum of sentiment[u] * weight[u] over all units" in the same order (adding the
    // +0 of a unit without valence never changes a float sum that starts at +0).
    float valence[max_tokens];
    std::uint16_t valence_unit[max_tokens];
    int nvalence = 0;
    int first_contrast = -1;
    for (int u = 0; u < nunits; ++u) {
        const unit& cur = units[u];
        if (cur.kind != term_kind::valence) {
            if (cur.kind == term_kind::contrast && first_contrast < 0) {
                first_contrast = u;
            }
            continue;
        }
        float v = cur.value;
        if (cap_diff && caps(cur)) {
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
                if (cap_diff && caps(mod)) {
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
        valence[nvalence] = v;
        valence_unit[nvalence] = static_cast<std::uint16_t>(u);
        ++nvalence;
    }

    float sum = 0.0F;
    for (int k = 0; k < nvalence; ++k) {
        float w = 1.0F;
        if (first_contrast >= 0) {
            const int u = valence_unit[k];
            w = u < first_contrast ? contrast_before : u > first_contrast ? contrast_after : 1.0F;
        }
        sum += valence[k] * w;
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
    // fmax(-1, fmin(1, compound)) without the libm calls (compound is never NaN).
    const float upper_clamped = compound < 1.0F ? compound : 1.0F;
    return upper_clamped > -1.0F ? upper_clamped : -1.0F;
}

} // namespace pulso
