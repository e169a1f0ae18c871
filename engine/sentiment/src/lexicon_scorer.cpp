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
    const lexicon_slot* slot; // the token's lexicon slot (look_up_candidates), or nullptr
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

// Out of line: the rare part of a word past its run of [a-z0-9_] (non-ASCII letters,
// apostrophes, capitals), as scan_word<false> from `j` for the word that began at `start`.
[[gnu::noinline]] std::size_t word_tail(const unsigned char* s, std::size_t n, std::size_t start,
                                        std::size_t j) noexcept {
    int unused_upper = 0;
    int unused_lower = 0;
    return scan_word<false>(s, n, start, j, unused_upper, unused_lower);
}

// True if a word ends before the byte `c` (the byte after its run of [a-z0-9_]): ASCII that is
// not a letter and not an apostrophe. Otherwise the word continues in word_tail.
bool plain_end(unsigned char c) noexcept {
    return c < 0x80 && c != '\'' && sentiment_detail::ascii_classes.cls[c] != cp_class::letter;
}

// Byte classes of one 64-byte block of the normalised text, one bit per byte; no bits past the
// end of the text.
struct block_masks {
    std::uint64_t word;     // [a-z0-9_]
    std::uint64_t special;  // for the general path: >= 0x80, A-Z, ', and the emoticon eyes : ; =
    std::uint64_t boundary; // clause punctuation , . ; : ! ?
};

// The masks of the block that the scan is in, computed when the scan enters it.
class text_blocks {
  public:
    text_blocks(const unsigned char* s, std::size_t n) noexcept : s_(s), n_(n) {}

    [[gnu::always_inline]] const block_masks& at(std::size_t b) noexcept {
        if (b != block_) [[unlikely]] {
            load(b);
        }
        return m_;
    }

    // Length of the word at `i` (s[i] is a letter), as scan_word<false> from i. The usual word
    // is a run of [a-z0-9_] ended by ASCII space or punctuation or the end of the text; any
    // other byte after the run (non-ASCII, an apostrophe, a capital) continues in word_tail.
    std::size_t word_length(std::size_t i) noexcept {
        std::size_t j = i;
        for (;;) {
            const std::size_t b = j & ~std::size_t{63};
            const std::uint64_t rest = ~at(b).word >> (j - b);
            if (rest != 0) [[likely]] {
                j += static_cast<std::size_t>(std::countr_zero(rest));
                if (j == n_ || plain_end(s_[j])) [[likely]] {
                    return j - i;
                }
                return word_tail(s_, n_, i, j);
            }
            j = b + 64;
        }
    }

  private:
    void load(std::size_t b) noexcept;

    const unsigned char* s_;
    std::size_t n_;
    std::size_t block_ = ~std::size_t{0}; // start of the block m_ describes; none yet
    block_masks m_{};
};

#if defined(__SSE2__)
// The three masks of 16 bytes, in the low 16 bits of each field.
block_masks classify16(__m128i v) noexcept {
    auto set1 = [](int c) noexcept { return _mm_set1_epi8(static_cast<char>(c)); };
    auto bits = [](__m128i x) noexcept {
        return std::uint64_t{static_cast<unsigned>(_mm_movemask_epi8(x))};
    };
    // (c - lo) < count unsigned is (c ^ 0x80) - lo < count - 128 signed.
    const __m128i biased = _mm_xor_si128(v, set1(0x80));
    auto in_range = [&](int lo, int count) noexcept {
        return _mm_cmplt_epi8(_mm_sub_epi8(biased, set1(lo)), set1(count - 128));
    };
    const __m128i word = _mm_or_si128(_mm_or_si128(in_range('a', 26), in_range('0', 10)),
                                      _mm_cmpeq_epi8(v, set1('_')));
    const __m128i comma_dot = _mm_cmpeq_epi8(_mm_or_si128(v, set1(0x02)), set1('.')); // , .
    const __m128i colons = _mm_cmpeq_epi8(_mm_or_si128(v, set1(0x01)), set1(';'));    // : ;
    const __m128i boundary =
        _mm_or_si128(_mm_or_si128(comma_dot, colons),
                     _mm_or_si128(_mm_cmpeq_epi8(v, set1('!')), _mm_cmpeq_epi8(v, set1('?'))));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(in_range('A', 26), colons),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, set1('=')), _mm_cmpeq_epi8(v, set1('\''))),
                     v)); // v: its top bit marks the bytes >= 0x80
    return {bits(word), bits(special), bits(boundary)};
}
#endif

void text_blocks::load(std::size_t b) noexcept {
    const std::size_t r = n_ - b < 64 ? n_ - b : 64; // bytes of the text in this block
    block_masks m{0, 0, 0};
#if defined(__SSE2__)
    for (std::size_t k = 0; k < r; k += 16) {
        block_masks c;
        if (k + 16 <= r) {
            c = classify16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s_ + b + k)));
        } else {
            // The last q < 16 bytes: the 16 bytes that end with them (the text has 16 bytes
            // here), or a zero-padded copy; the mask bits of the q bytes shifted into place.
            const std::size_t q = r - k;
            alignas(16) unsigned char tail[16] = {};
            std::size_t drop = 0;
            __m128i v;
            if (b + r >= 16) {
                v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s_ + b + r - 16));
                drop = 16 - q;
            } else {
                std::memcpy(tail, s_ + b + k, q);
                v = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
            }
            c = classify16(v);
            c = {c.word >> drop, c.special >> drop, c.boundary >> drop};
            const std::uint64_t keep = (std::uint64_t{1} << q) - 1U;
            c = {c.word & keep, c.special & keep, c.boundary & keep};
        }
        m.word |= c.word << k;
        m.special |= c.special << k;
        m.boundary |= c.boundary << k;
    }
#else
    for (std::size_t k = 0; k < r; ++k) {
        const unsigned char c = s_[b + k];
        const std::uint64_t bit = std::uint64_t{1} << k;
        const bool w = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        const bool sp =
            c >= 0x80 || (c >= 'A' && c <= 'Z') || c == '\'' || c == ':' || c == ';' || c == '=';
        m.word |= w ? bit : 0;
        m.special |= sp ? bit : 0;
        m.boundary |=
            (c < 0x80 && sentiment_detail::ascii_classes.cls[c] == cp_class::boundary) ? bit : 0;
    }
#endif
    m_ = m;
    block_ = b;
}

bool ends_with_nt(std::string_view w) noexcept {
    if (w.size() <= 3 || w.back() != 't') {
        return false; // the common case, decided by one byte
    }
    return (w.size() > 3 && w.substr(w.size() - 3) == "n't") ||
           (w.size() > 5 && w.substr(w.size() - 5) == "n\xE2\x80\x99t");
}

// Tokens of the normalised text, their units as they are when no phrase joins tokens, and the
// tokens the lexicon may hold.
struct token_list {
    token tokens[max_tokens];
    // units[i] is token i's unit if the token is not in the lexicon: no kind (or a negator, for
    // a word ending in n't), with its boundary flag and word ordinal.
    unit units[max_tokens];
    // Indices, in order, of the tokens that passed the table's filter and of the emoticons:
    // only these are probed, and only these can be anything but prefilled units.
    std::uint8_t candidates[max_tokens];
    int count = 0;
    int ncandidates = 0;
    int words = 0;
};
static_assert(max_tokens <= 256, "candidates holds token indices in a byte");

// Appends a word or emoji token, its lexicon slot still unknown (nullptr until
// look_up_candidates). The filter check is branch-free (the index is written, and kept only if
// the filter passes): whether a word is in the lexicon is data, not a pattern a branch
// predictor can learn.
[[gnu::always_inline]] inline void add_token(token_list& out, const lexicon_table& table,
                                             const char* data, std::size_t size,
                                             std::size_t readable, token_type type, bool boundary,
                                             int word, term_kind prefilled) noexcept {
    const std::uint64_t h = sentiment_detail::token_hash(data, size, readable);
    set_token(out.tokens[out.count], data, size, type, boundary, h, nullptr, word);
    out.units[out.count] = {0.0F, prefilled, boundary, static_cast<std::int16_t>(word)};
    out.candidates[out.ncandidates] = static_cast<std::uint8_t>(out.count);
    out.ncandidates += table.may_contain(h) ? 1 : 0;
    ++out.count;
}

std::uint64_t bits_below(unsigned k) noexcept {
    return k >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1U;
}

// Tokenises the normalised text into words, emoji and emoticons known to the lexicon (see
// README "How it scores" 1). Words and emoji are hashed and filtered as they go (add_token);
// emoticons are looked up at once (a run of punctuation is a token only if the lexicon has it).
//
// Two paths that tokenise alike. The block path takes the bulk of a text a 64-byte block at a
// time: words of [a-z0-9_] between spaces and punctuation without emoticon eyes, found with bit
// operations on the block's masks. Any byte it does not handle (non-ASCII, capitals,
// apostrophes, : ; =) goes to the general path, which reads one token (or one separator) the
// byte-by-byte way; so does a run of punctuation that reaches such a byte (it may be an
// emoticon such as ":-)") and a word that runs on past its block.
void tokenize(std::string_view text, const lexicon_table& table, token_list& out) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    text_blocks blocks(s, n);
    std::size_t i = 0;
    bool boundary = false;
    while (i < n && out.count < max_tokens) {
        // The block path, from i to `lim` (both relative to the block start b).
        const std::size_t b = i & ~std::size_t{63};
        const block_masks& m = blocks.at(b);
        const auto rel = static_cast<unsigned>(i - b);
        const unsigned end = n - b < 64 ? static_cast<unsigned>(n - b) : 64U;
        const std::uint64_t from = ~std::uint64_t{0} << rel;
        const std::uint64_t special = m.special & from;
        unsigned lim = special != 0 ? static_cast<unsigned>(std::countr_zero(special)) : end;
        auto run_start = [&](unsigned k) noexcept { // start of the word run ending before k
            const std::uint64_t other = ~m.word & bits_below(k) & from;
            return other != 0 ? 64U - static_cast<unsigned>(std::countl_zero(other)) : rel;
        };
        if (lim < end || end == 64) {
            // Leave to the general path what a special byte (or the next block) may change:
            // the run of punctuation before it (an emoticon such as ":-)"), or the word before
            // it if it runs on ("caf" of "café"; any word running into the next block).
            if (lim > rel && is_ascii_punct(s[b + lim - 1])) {
                do {
                    --lim;
                } while (lim > rel && is_ascii_punct(s[b + lim - 1]));
            } else if (lim > rel && ((m.word >> (lim - 1)) & 1U) != 0 &&
                       (lim == 64 || !plain_end(s[b + lim]))) {
                lim = run_start(lim);
            }
        }
        // Every word starting before lim now ends before lim.
        std::uint64_t starts = m.word & ~(m.word << 1U) & bits_below(lim) & from;
        unsigned cur = rel;
        while (starts != 0) {
            const auto st = static_cast<unsigned>(std::countr_zero(starts));
            starts &= starts - 1U;
            const std::uint64_t gap = (std::uint64_t{1} << st) - (std::uint64_t{1} << cur);
            const bool before = boundary || (m.boundary & gap) != 0;
            const auto len = static_cast<unsigned>(std::countr_zero(~m.word >> st));
            add_token(out, table, text.data() + b + st, len, n - b - st, token_type::word, before,
                      out.words++, term_kind::none);
            boundary = false;
            if (out.count == max_tokens) {
                return;
            }
            cur = st + len;
        }
        boundary = boundary || (m.boundary & bits_below(lim) & ~bits_below(cur)) != 0;
        i = b + lim;
        if (lim == end) {
            continue; // the text or the block ends here; nothing for the general path yet
        }

        // The general path: one token or one separator at i.
        const unsigned char c = s[i];
        if (c < 0x80) {
            const cp_class cls = sentiment_detail::ascii_classes.cls[c];
            if (cls == cp_class::letter) {
                const std::size_t len = blocks.word_length(i);
                const char* w = text.data() + i;
                const bool negator = ends_with_nt({w, len});
                add_token(out, table, w, len, n - i, token_type::word, boundary, out.words++,
                          negator ? term_kind::negator : term_kind::none);
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
                    set_token(out.tokens[out.count], run.data(), run.size(), token_type::emoticon,
                              boundary, h, e, -1);
                    out.units[out.count] = {0.0F, term_kind::none, boundary, -1};
                    out.candidates[out.ncandidates++] = static_cast<std::uint8_t>(out.count);
                    ++out.count;
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
            const std::size_t len = blocks.word_length(i);
            const char* w = text.data() + i;
            const bool negator = ends_with_nt({w, len});
            add_token(out, table, w, len, n - i, token_type::word, boundary, out.words++,
                      negator ? term_kind::negator : term_kind::none);
            boundary = false;
            i += len;
            break;
        }
        case cp_class::emoji:
            add_token(out, table, text.data() + i, d.len, n - i, token_type::emoji, boundary, -1,
                      term_kind::none);
            boundary = false;
            i += d.len;
            break;
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
}

// Probes the table for the candidates of tokenize; tells whether any token may then carry a
// valence in language slot `slot` (if none does, no unit can be a valence and the score is 0).
bool look_up_candidates(token_list& list, const lexicon_table& table, int slot) noexcept {
    bool valence = false;
    for (int k = 0; k < list.ncandidates; ++k) {
        token& t = list.tokens[list.candidates[k]];
        if (t.type == token_type::emoticon) {
            // Emoticons come from VADER (English) but mean the same in every language.
            valence = valence || t.slot->kind[0] == term_kind::valence;
            continue;
        }
        const lexicon_slot* e = table.probe(t.hash, t.data, t.size);
        t.slot = e;
        valence = valence ||
                  (e != nullptr && (e->kind[slot] == term_kind::valence || e->longest_phrase > 1));
    }
    return valence;
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
        // Most phrase heads ("de", "la", "the") start no phrase here: the filter rules out
        // every length before any phrase is probed or compared.
        std::uint64_t hashes[4];
        unsigned may_match = 0; // bit len - 1: the phrase of len tokens passed the filter
        std::uint64_t h = t.hash;
        for (int k = 1; k < longest; ++k) {
            h = sentiment_detail::phrase_hash(h, tokens[i + k].hash);
            hashes[k] = h;
            may_match |= (table.may_contain(h) ? 1U : 0U) << k;
        }
        std::string_view words[4];
        if (may_match != 0) [[unlikely]] {
            for (int k = 0; k < longest; ++k) {
                words[k] = tokens[i + k].text();
            }
        }
        for (int len = longest; len >= 2 && may_match != 0; --len) {
            if (((may_match >> (len - 1)) & 1U) == 0) {
                continue;
            }
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

    token_list list; // its arrays stay uninitialised: only the first `count` entries are read
    tokenize(normalized, table, list);
    if (!look_up_candidates(list, table, slot)) {
        return 0.0F; // no unit below could be a valence (half of all mentions)
    }
    const token* tokens = list.tokens;
    const int ntok = list.count;
    const int nwords = list.words;
    unit* units = list.units;

    // The units: tokens not in the lexicon keep their prefilled units, so only the candidates
    // are matched; `order` lists the units that may be anything but a prefilled one. If a
    // phrase joins tokens (units then no longer line up with tokens), all units are matched
    // again from the start, as match_unit always did.
    std::uint8_t order_storage[max_tokens];
    const std::uint8_t* order = list.candidates;
    int norder = list.ncandidates;
    bool any_valence = false;
    bool joined = false;
    for (int k = 0; k < list.ncandidates; ++k) {
        const int i = list.candidates[k];
        if (tokens[i].slot == nullptr) {
            continue; // a false positive of the filter: the prefilled unit is right
        }
        if (match_unit(tokens, ntok, i, slot, table, units[i]) > 1) {
            joined = true;
            break;
        }
        any_valence = any_valence || units[i].kind == term_kind::valence;
    }
    if (joined) [[unlikely]] {
        int nunits = 0;
        norder = 0;
        any_valence = false;
        for (int i = 0; i < ntok;) {
            i += match_unit(tokens, ntok, i, slot, table, units[nunits]);
            any_valence = any_valence || units[nunits].kind == term_kind::valence;
            order_storage[norder] = static_cast<std::uint8_t>(nunits);
            norder += units[nunits].kind != term_kind::none ? 1 : 0;
            ++nunits;
        }
        order = order_storage;
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
    for (int k = 0; k < norder; ++k) {
        const int u = order[k];
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
