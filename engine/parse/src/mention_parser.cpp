#include "pulso/parse/mention_parser.h"

#include "pulso/core/assert.h"
#include "pulso/core/time.h"

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <memory>

namespace pulso {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

/// Nesting limit, counted as simdjson's DOM parser counts it (the root object is level 1), so
/// that "valid JSON" means the same here as for `simdjson::dom::parser` with default settings.
/// It also bounds the recursion of validate_value().
constexpr int k_max_depth = static_cast<int>(simdjson::DEFAULT_MAX_DEPTH);
constexpr std::size_t k_max_id_bytes = 256;
constexpr std::size_t k_initial_capacity = 16 * 1024;

// Field names for parse_status::field (static storage).
namespace field {
constexpr std::string_view id = "id";
constexpr std::string_view platform = "platform";
constexpr std::string_view created_at = "created_at";
constexpr std::string_view text = "text";
constexpr std::string_view author = "author";
constexpr std::string_view author_id = "author.id";
constexpr std::string_view author_handle = "author.handle";
constexpr std::string_view author_followers = "author.followers";
constexpr std::string_view author_verified = "author.verified";
constexpr std::string_view lang = "lang";
constexpr std::string_view engagement = "engagement";
constexpr std::string_view likes = "engagement.likes";
constexpr std::string_view shares = "engagement.shares";
constexpr std::string_view comments = "engagement.comments";
constexpr std::string_view views = "engagement.views";
constexpr std::string_view repost_of = "repost_of";
constexpr std::string_view sentiment = "sentiment";
constexpr std::string_view country = "country";
constexpr std::string_view url = "url";
} // namespace field

// Keys of the root object; the value is also the bit in record_reader::seen_.
enum class root_key : std::uint8_t {
    id,
    platform,
    created_at,
    text,
    author,
    lang,
    engagement,
    repost_of,
    sentiment,
    country,
    url,
    unknown,
};

enum class author_key : std::uint8_t { id, handle, followers, verified, unknown };
enum class engagement_key : std::uint8_t { likes, shares, comments, views, unknown };

root_key classify_root(std::string_view k) noexcept {
    switch (k.size()) {
    case 2:
        return k == "id" ? root_key::id : root_key::unknown;
    case 3:
        return k == "url" ? root_key::url : root_key::unknown;
    case 4:
        if (k == "text") {
            return root_key::text;
        }
        return k == "lang" ? root_key::lang : root_key::unknown;
    case 6:
        return k == "author" ? root_key::author : root_key::unknown;
    case 7:
        return k == "country" ? root_key::country : root_key::unknown;
    case 8:
        return k == "platform" ? root_key::platform : root_key::unknown;
    case 9:
        if (k == "sentiment") {
            return root_key::sentiment;
        }
        return k == "repost_of" ? root_key::repost_of : root_key::unknown;
    case 10:
        if (k == "created_at") {
            return root_key::created_at;
        }
        return k == "engagement" ? root_key::engagement : root_key::unknown;
    default:
        return root_key::unknown;
    }
}

author_key classify_author(std::string_view k) noexcept {
    if (k == "id") {
        return author_key::id;
    }
    if (k == "handle") {
        return author_key::handle;
    }
    if (k == "followers") {
        return author_key::followers;
    }
    if (k == "verified") {
        return author_key::verified;
    }
    return author_key::unknown;
}

engagement_key classify_engagement(std::string_view k) noexcept {
    if (k == "likes") {
        return engagement_key::likes;
    }
    if (k == "shares") {
        return engagement_key::shares;
    }
    if (k == "comments") {
        return engagement_key::comments;
    }
    if (k == "views") {
        return engagement_key::views;
    }
    return engagement_key::unknown;
}

static_assert(std::endian::native == std::endian::little,
              "raw key and platform matching load little-endian words");

/// Eight bytes from `p`, unaligned.
inline std::uint64_t load64(const char* p) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// A literal of at most 16 bytes as two little-endian words and their byte masks, so that a
/// comparison is two loads, two xors and a test instead of a call to memcmp.
struct word_literal {
    std::uint64_t w0 = 0;
    std::uint64_t w1 = 0;
    std::uint64_t m0 = 0;
    std::uint64_t m1 = 0;
};

template <std::size_t N> consteval word_literal make_literal(const char (&lit)[N]) {
    static_assert(N - 1 <= 16, "at most 16 bytes");
    word_literal r;
    for (std::size_t i = 0; i + 1 < N; ++i) {
        const std::uint64_t byte = static_cast<std::uint8_t>(lit[i]);
        const unsigned shift = static_cast<unsigned>(i % 8) * 8;
        if (i < 8) {
            r.w0 |= byte << shift;
            r.m0 |= std::uint64_t{0xff} << shift;
        } else {
            r.w1 |= byte << shift;
            r.m1 |= std::uint64_t{0xff} << shift;
        }
    }
    return r;
}

/// True when the bytes at `p` begin with `lit`. Reads 16 bytes from `p` whatever the literal's
/// length: `p` lies inside the record, which is followed by SIMDJSON_PADDING readable bytes.
inline bool starts_with_literal(const char* p, const word_literal& lit) noexcept {
    const std::uint64_t d0 = (load64(p) ^ lit.w0) & lit.m0;
    if (lit.m1 == 0) {
        return d0 == 0;
    }
    return (d0 | ((load64(p + 8) ^ lit.w1) & lit.m1)) == 0;
}

// Raw keys (simdjson points just past the opening quote) end in the closing quote, so a match
// is exact without first finding the key's length.
namespace raw_key {
constexpr word_literal id = make_literal("id\"");
constexpr word_literal platform = make_literal("platform\"");
constexpr word_literal created_at = make_literal("created_at\"");
constexpr word_literal country = make_literal("country\"");
constexpr word_literal text = make_literal("text\"");
constexpr word_literal author = make_literal("author\"");
constexpr word_literal lang = make_literal("lang\"");
constexpr word_literal engagement = make_literal("engagement\"");
constexpr word_literal repost_of = make_literal("repost_of\"");
constexpr word_literal sentiment = make_literal("sentiment\"");
constexpr word_literal url = make_literal("url\"");
constexpr word_literal handle = make_literal("handle\"");
constexpr word_literal followers = make_literal("followers\"");
constexpr word_literal verified = make_literal("verified\"");
constexpr word_literal likes = make_literal("likes\"");
constexpr word_literal shares = make_literal("shares\"");
constexpr word_literal comments = make_literal("comments\"");
constexpr word_literal views = make_literal("views\"");
} // namespace raw_key

template <class Key> Key key_if(const char* p, const word_literal& lit, Key k) noexcept {
    return starts_with_literal(p, lit) ? k : Key::unknown;
}

root_key match_root(const char* p) noexcept {
    switch (p[0]) {
    case 'i':
        return key_if(p, raw_key::id, root_key::id);
    case 'p':
        return key_if(p, raw_key::platform, root_key::platform);
    case 'c':
        if (starts_with_literal(p, raw_key::created_at)) {
            return root_key::created_at;
        }
        return key_if(p, raw_key::country, root_key::country);
    case 't':
        return key_if(p, raw_key::text, root_key::text);
    case 'a':
        return key_if(p, raw_key::author, root_key::author);
    case 'l':
        return key_if(p, raw_key::lang, root_key::lang);
    case 'e':
        return key_if(p, raw_key::engagement, root_key::engagement);
    case 'r':
        return key_if(p, raw_key::repost_of, root_key::repost_of);
    case 's':
        return key_if(p, raw_key::sentiment, root_key::sentiment);
    case 'u':
        return key_if(p, raw_key::url, root_key::url);
    default:
        return root_key::unknown;
    }
}

author_key match_author(const char* p) noexcept {
    switch (p[0]) {
    case 'i':
        return key_if(p, raw_key::id, author_key::id);
    case 'h':
        return key_if(p, raw_key::handle, author_key::handle);
    case 'f':
        return key_if(p, raw_key::followers, author_key::followers);
    case 'v':
        return key_if(p, raw_key::verified, author_key::verified);
    default:
        return author_key::unknown;
    }
}

engagement_key match_engagement(const char* p) noexcept {
    switch (p[0]) {
    case 'l':
        return key_if(p, raw_key::likes, engagement_key::likes);
    case 's':
        return key_if(p, raw_key::shares, engagement_key::shares);
    case 'c':
        return key_if(p, raw_key::comments, engagement_key::comments);
    case 'v':
        return key_if(p, raw_key::views, engagement_key::views);
    default:
        return engagement_key::unknown;
    }
}

/// True when the raw key holds an escape (then it must be unescaped to be compared).
bool raw_key_has_escape(const char* p) noexcept {
    while (*p != '"' && *p != '\\') {
        ++p;
    }
    return *p == '\\';
}

/// Classifies a key: raw match first; a key with escapes ("\u0069d") is unescaped and
/// compared. Returns false when the escape is invalid (invalid JSON).
template <class Key, class Match, class Classify>
[[nodiscard]] bool key_of(od::field& f, Match match, Classify classify, Key& out) noexcept {
    const char* raw = f.key().raw();
    out = match(raw);
    if (out != Key::unknown || !raw_key_has_escape(raw)) [[likely]] {
        return true;
    }
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) {
        return false;
    }
    out = classify(key);
    return true;
}

constexpr bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr char to_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// simdjson's raw tokens run up to the next token, trailing white space included.
std::string_view trim_token(std::string_view s) noexcept {
    while (!s.empty() && is_ws(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

/// A JSON number token checked against RFC 8259's grammar and classified. simdjson's typed
/// getters answer INCORRECT_TYPE both for "1.5 is not an integer" and for "1. is not a number",
/// so the slow paths that must tell wrong_type from invalid_json read the token here.
struct number_token {
    bool valid = false;
    bool integer = false;  ///< no fraction and no exponent
    bool negative = false; ///< a leading '-' (also on "-0")
    bool fits_u64 = false; ///< integer magnitude fits in uint64
    std::uint64_t magnitude = 0;
};

number_token scan_number(std::string_view t) noexcept {
    number_token r;
    std::size_t i = 0;
    const std::size_t n = t.size();
    if (i < n && t[i] == '-') {
        r.negative = true;
        ++i;
    }
    if (i >= n) {
        return r;
    }
    r.fits_u64 = true;
    if (t[i] == '0') {
        ++i;
    } else if (is_digit(t[i])) {
        while (i < n && is_digit(t[i])) {
            const auto d = static_cast<std::uint64_t>(t[i] - '0');
            if (r.magnitude > (UINT64_MAX - d) / 10) {
                r.fits_u64 = false;
            } else {
                r.magnitude = r.magnitude * 10 + d;
            }
            ++i;
        }
    } else {
        return r;
    }
    bool integer = true;
    if (i < n && t[i] == '.') {
        ++i;
        if (i >= n || !is_digit(t[i])) {
            return r;
        }
        while (i < n && is_digit(t[i])) {
            ++i;
        }
        integer = false;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < n && (t[i] == '+' || t[i] == '-')) {
            ++i;
        }
        if (i >= n || !is_digit(t[i])) {
            return r;
        }
        while (i < n && is_digit(t[i])) {
            ++i;
        }
        integer = false;
    }
    r.valid = i == n;
    r.integer = integer;
    return r;
}

bool is_literal(std::string_view raw, od::json_type t) noexcept {
    const std::string_view tok = trim_token(raw);
    if (t == od::json_type::null) {
        return tok == "null";
    }
    return tok == "true" || tok == "false";
}

/// Reads a key without unescaping when it has no backslash (nearly always): simdjson's stage 1
/// has already checked its UTF-8, its control characters and its closing quote.
[[nodiscard]] bool read_key(od::field& f, std::string_view& key) noexcept {
    const char* p = f.key().raw();
    std::size_t n = 0;
    while (p[n] != '"' && p[n] != '\\') {
        ++n;
    }
    if (p[n] == '"') [[likely]] {
        key = {p, n};
        return true;
    }
    return f.unescaped_key().get(key) == simdjson::SUCCESS;
}

enum class json_kind : std::uint8_t { invalid, null, boolean, number, string, array, object };

/// Checks that `v` (at nesting level `depth`) is valid JSON, consuming containers and strings,
/// and says what it is. Used for unknown fields, duplicate keys, values after the first schema
/// error and wrong-typed values, so that a malformed record is always `invalid_json`.
json_kind validate_value(od::value& v, int depth) noexcept {
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) {
        return json_kind::invalid;
    }
    switch (t) {
    case od::json_type::object: {
        od::object o;
        if (depth > k_max_depth || v.get_object().get(o) != simdjson::SUCCESS) {
            return json_kind::invalid;
        }
        for (auto fr : o) {
            if (fr.error() != simdjson::SUCCESS) {
                return json_kind::invalid;
            }
            // By reference: copying the field out of its simdjson_result costs a store-forwarding
            // stall per field (a 16-byte load of two narrower stores).
            od::field& f = fr.value_unsafe();
            std::string_view key;
            if (!read_key(f, key) || validate_value(f.value(), depth + 1) == json_kind::invalid) {
                return json_kind::invalid;
            }
        }
        return json_kind::object;
    }
    case od::json_type::array: {
        od::array a;
        if (depth > k_max_depth || v.get_array().get(a) != simdjson::SUCCESS) {
            return json_kind::invalid;
        }
        for (auto er : a) {
            od::value e;
            if (std::move(er).get(e) != simdjson::SUCCESS ||
                validate_value(e, depth + 1) == json_kind::invalid) {
                return json_kind::invalid;
            }
        }
        return json_kind::array;
    }
    case od::json_type::string: {
        std::string_view s;
        return v.get_string().get(s) == simdjson::SUCCESS ? json_kind::string : json_kind::invalid;
    }
    case od::json_type::number:
        return scan_number(trim_token(v.raw_json_token())).valid ? json_kind::number
                                                                 : json_kind::invalid;
    case od::json_type::boolean:
        return is_literal(v.raw_json_token(), t) ? json_kind::boolean : json_kind::invalid;
    case od::json_type::null:
        return is_literal(v.raw_json_token(), t) ? json_kind::null : json_kind::invalid;
    }
    return json_kind::invalid;
}

/// Lower-cases `s` (ASCII only) and maps it to a kept platform, comparing whole words.
platform normalise_platform(std::string_view s) noexcept {
    constexpr std::size_t k_longest = 9; // "instagram"
    if (s.size() > k_longest) {
        return platform::other;
    }
    std::array<char, 16> buf{}; // zero beyond the name, as in the literals' words
    for (std::size_t i = 0; i < s.size(); ++i) {
        buf[i] = to_lower(s[i]);
    }
    const std::uint64_t w0 = load64(buf.data());
    const std::uint64_t w1 = load64(buf.data() + 8);
    const auto is = [w0, w1](const word_literal& lit) noexcept {
        return w0 == lit.w0 && w1 == lit.w1;
    };
    static constexpr word_literal k_twitter = make_literal("twitter");
    static constexpr word_literal k_x = make_literal("x");
    static constexpr word_literal k_facebook = make_literal("facebook");
    static constexpr word_literal k_instagram = make_literal("instagram");
    static constexpr word_literal k_youtube = make_literal("youtube");
    static constexpr word_literal k_tiktok = make_literal("tiktok");
    static constexpr word_literal k_reddit = make_literal("reddit");
    static constexpr word_literal k_linkedin = make_literal("linkedin");
    static constexpr word_literal k_news = make_literal("news");
    static constexpr word_literal k_blog = make_literal("blog");
    static constexpr word_literal k_forum = make_literal("forum");
    // A NUL inside the name makes the words equal for a shorter name: the size tells them apart.
    switch (s.size()) {
    case 1:
        return is(k_x) ? platform::x : platform::other;
    case 4:
        if (is(k_news)) {
            return platform::news;
        }
        return is(k_blog) ? platform::blog : platform::other;
    case 5:
        return is(k_forum) ? platform::forum : platform::other;
    case 6:
        if (is(k_tiktok)) {
            return platform::tiktok;
        }
        return is(k_reddit) ? platform::reddit : platform::other;
    case 7:
        if (is(k_twitter)) {
            return platform::twitter;
        }
        return is(k_youtube) ? platform::youtube : platform::other;
    case 8:
        if (is(k_facebook)) {
            return platform::facebook;
        }
        return is(k_linkedin) ? platform::linkedin : platform::other;
    case 9:
        return is(k_instagram) ? platform::instagram : platform::other;
    default:
        return platform::other;
    }
}

lang_code normalise_lang(std::string_view s) noexcept {
    std::size_t n = 0;
    while (n < s.size() && s[n] != '-' && s[n] != '_') {
        ++n;
    }
    lang_code out;
    if (n < 2 || n > 3) {
        return out;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_alpha(s[i])) {
            return lang_code{};
        }
        out.chars[i] = to_lower(s[i]);
    }
    out.chars[n] = 0;
    out.size = static_cast<std::uint8_t>(n);
    return out;
}

/// The body of a string token (quotes removed), or an empty view with a null data pointer
/// when `tok` is not a string token simdjson's stage 1 closed. `tok` is a raw token: it runs
/// to the next structural character, trailing white space included.
inline std::string_view string_token_body(std::string_view tok) noexcept {
    if (tok.size() < 2 || tok.back() != '"') [[unlikely]] {
        tok = trim_token(tok);
    }
    if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') [[unlikely]] {
        return {};
    }
    return tok.substr(1, tok.size() - 2);
}

/// True when `s` holds a backslash. Reads whole 16-byte blocks, up to 15 bytes past the end of
/// `s`: `s` lies inside the record, which is followed by SIMDJSON_PADDING readable bytes.
inline bool has_backslash(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
#if defined(__SSE2__)
    const __m128i bs = _mm_set1_epi8('\\');
    for (;; p += 16, n -= 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, bs)));
        if (n <= 16) {
            mask &= (1U << n) - 1; // n is at most 16: no overflow in a 32-bit shift
            return mask != 0;
        }
        if (mask != 0) {
            return true;
        }
    }
#else
    return std::memchr(p, '\\', n) != nullptr;
#endif
}

/// Reads a string value without copying it when it holds no backslash (nearly always): stage 1
/// has already checked its UTF-8, its control characters and its closing quote, so the raw
/// bytes are the unescaped value. The view points into the record (or the padded copy of it).
/// Returns false, consuming nothing, when the value is not such a string; the caller then takes
/// simdjson's unescaping path, which also tells wrong types and bad escapes apart.
[[nodiscard]] inline bool read_raw_string(od::value& v, std::string_view& out) noexcept {
    const std::string_view body = string_token_body(v.raw_json_token());
    if (body.data() == nullptr || has_backslash(body)) {
        return false;
    }
    // Consumes the value (cannot fail: it starts with a quote). Every string value must be
    // consumed: see the README on strings followed by ':'.
    od::raw_json_string raw;
    if (v.get_raw_json_string().get(raw) != simdjson::SUCCESS) [[unlikely]] {
        return false;
    }
    out = body;
    return true;
}

/// Eight bytes' shape, `D` for a digit and any other character for itself, as a xor pattern
/// and a per-byte addend: after the xor a digit byte must be at most 9 and any other byte 0, so
/// adding 0x76 (digit) or 0x7f (other) to its low seven bits sets bit 7 exactly when it is not.
struct word_shape {
    std::uint64_t xor_pattern = 0;
    std::uint64_t addend = 0;
};

consteval word_shape make_shape(const char (&shape)[9]) {
    word_shape r;
    for (unsigned i = 0; i < 8; ++i) {
        const bool digit = shape[i] == 'D';
        const std::uint64_t x = digit ? std::uint64_t{'0'} : static_cast<std::uint8_t>(shape[i]);
        r.xor_pattern |= x << (8 * i);
        r.addend |= std::uint64_t{digit ? 0x76U : 0x7fU} << (8 * i);
    }
    return r;
}

inline bool has_shape(std::uint64_t w, const word_shape& shape) noexcept {
    constexpr std::uint64_t k_low7 = 0x7f7f7f7f7f7f7f7fULL;
    constexpr std::uint64_t k_high = 0x8080808080808080ULL;
    const std::uint64_t x = w ^ shape.xor_pattern;
    return ((((x & k_low7) + shape.addend) | x) & k_high) == 0;
}

constexpr bool is_leap_year(unsigned y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/// RFC 3339 in its usual form, `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)` with an upper-case `T` and
/// `Z`, the date and time checked a word at a time. Returns false for anything else, valid or
/// not (including calendar errors): parse_rfc3339() then decides, so both paths agree by
/// construction. When it returns true, `out` is exactly what parse_rfc3339() computes. Reads
/// only the bytes of `s`.
bool fast_rfc3339(std::string_view s, millis& out) noexcept {
    static constexpr word_shape k_date = make_shape("DDDD-DD-"); // bytes 0-7
    static constexpr word_shape k_hour = make_shape("DDTDD:DD"); // bytes 8-15
    static constexpr word_shape k_time = make_shape("DD:DD:DD"); // bytes 11-18
    const std::size_t n = s.size();
    if (n < 20) {
        return false;
    }
    const char* p = s.data();
    if (!has_shape(load64(p), k_date) || !has_shape(load64(p + 8), k_hour) ||
        !has_shape(load64(p + 11), k_time)) {
        return false;
    }
    const auto digit = [p](std::size_t i) noexcept { return static_cast<unsigned>(p[i] - '0'); };
    const unsigned y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
    const unsigned mo = digit(5) * 10 + digit(6);
    const unsigned d = digit(8) * 10 + digit(9);
    const unsigned h = digit(11) * 10 + digit(12);
    const unsigned mi = digit(14) * 10 + digit(15);
    const unsigned sec = digit(17) * 10 + digit(18);
    static constexpr std::array<std::uint8_t, 12> k_days = {31, 28, 31, 30, 31, 30,
                                                            31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60) {
        return false;
    }
    const unsigned dim = mo == 2 && is_leap_year(y) ? 29U : k_days[mo - 1];
    if (d > dim) {
        return false;
    }
    std::size_t pos = 19;
    unsigned ms = 0;
    if (p[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        unsigned scale = 100;
        while (pos < n && is_digit(p[pos])) {
            ms += digit(pos) * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return false;
        }
    }
    std::int64_t offset_min = 0;
    if (pos + 1 == n && p[pos] == 'Z') {
        // UTC
    } else if (pos + 6 == n && (p[pos] == '+' || p[pos] == '-') && is_digit(p[pos + 1]) &&
               is_digit(p[pos + 2]) && p[pos + 3] == ':' && is_digit(p[pos + 4]) &&
               is_digit(p[pos + 5])) {
        const unsigned oh = digit(pos + 1) * 10 + digit(pos + 2);
        const unsigned om = digit(pos + 4) * 10 + digit(pos + 5);
        if (oh > 23 || om > 59) {
            return false;
        }
        offset_min = static_cast<std::int64_t>(oh * 60 + om) * (p[pos] == '-' ? -1 : 1);
    } else {
        return false;
    }
    const std::int64_t days = days_from_civil(y, mo, d);
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    out = secs * 1000 + ms;
    return true;
}

/// Reads a count of 1–7 digits (no leading zero) without simdjson's number parser: the digits
/// are found and converted a word at a time. Returns false, consuming nothing, for anything
/// else (longer, signed, fractional, not a number ...): simdjson's get_uint64() then decides.
/// On success the value is left unconsumed: On-Demand skips it when the object iteration moves
/// on, exactly as it skips a value that was never read (numbers, unlike strings, are skipped
/// safely: see the README). Reads 8 bytes from the token's start, inside the record.
[[nodiscard]] inline bool read_short_count(od::value& v, std::uint64_t& out) noexcept {
    const std::string_view tok = v.raw_json_token();
    const char* p = tok.data();
    const std::uint64_t w = load64(p);
    constexpr std::uint64_t k_high_nibbles = 0xf0f0f0f0f0f0f0f0ULL;
    constexpr std::uint64_t k_low7 = 0x7f7f7f7f7f7f7f7fULL;
    constexpr std::uint64_t k_high = 0x8080808080808080ULL;
    // A byte is a digit when both it and it + 6 have the high nibble 3. A carry out of a byte
    // only comes from a non-digit, so it can only disturb bytes after the first non-digit.
    const std::uint64_t nibbles =
        (w & k_high_nibbles) | (((w + 0x0606060606060606ULL) & k_high_nibbles) >> 4);
    const std::uint64_t diff = nibbles ^ 0x3333333333333333ULL; // zero bytes are digits
    const std::uint64_t non_digit = (((diff & k_low7) + k_low7) | diff) & k_high;
    if (non_digit == 0) {
        return false; // 8 digits or more
    }
    const auto n = static_cast<std::size_t>(std::countr_zero(non_digit) / 8);
    if (n == 0 || (n > 1 && p[0] == '0')) {
        return false;
    }
    // Only white space may follow (the token runs to the next structural character).
    for (std::size_t i = n; i < tok.size(); ++i) {
        if (!is_ws(p[i])) {
            return false;
        }
    }
    // Digit values in the top n bytes, zeros (leading zero digits) below; no borrow crosses
    // into the kept bytes since every kept byte is a digit. Then simdjson's 8-digit SWAR.
    std::uint64_t val = (w - 0x3030303030303030ULL) << (8 * (8 - n));
    val = (val * 10) + (val >> 8);
    constexpr std::uint64_t k_mask = 0x000000FF000000FFULL;
    constexpr std::uint64_t k_mul1 = 0x000F424000000064ULL; // 100 + (1000000 << 32)
    constexpr std::uint64_t k_mul2 = 0x0000271000000001ULL; // 1 + (10000 << 32)
    val = (((val & k_mask) * k_mul1) + (((val >> 16) & k_mask) * k_mul2)) >> 32;
    out = static_cast<std::uint32_t>(val);
    return true;
}

/// One record's walk over the root object. Every method returns false when the JSON itself is
/// invalid (the walk stops); schema problems are recorded in err_ (first one wins) and the walk
/// continues in validate-only mode, so that invalid JSON anywhere takes precedence.
class record_reader {
  public:
    record_reader(mention& out, const parse_options& opts) noexcept : out_(out), opts_(opts) {}

    [[nodiscard]] bool read_root(od::object& obj) noexcept {
        for (auto fr : obj) {
            if (fr.error() != simdjson::SUCCESS) {
                return false;
            }
            // By reference: copying the field out of its simdjson_result costs a store-forwarding
            // stall per field (a 16-byte load of two narrower stores).
            od::field& f = fr.value_unsafe();
            root_key k = root_key::unknown;
            if (!key_of(f, match_root, classify_root, k)) {
                return false;
            }
            od::value& v = f.value();
            const auto bit = static_cast<std::uint32_t>(1U << static_cast<unsigned>(k));
            // Unknown keys, repeated keys (the first occurrence wins) and everything after the
            // first schema error are only validated.
            if (k == root_key::unknown || (seen_ & bit) != 0 || !err_.ok()) {
                if (validate_value(v, 2) == json_kind::invalid) {
                    return false;
                }
                continue;
            }
            seen_ |= bit;
            if (!read_root_field(k, v)) {
                return false;
            }
        }
        return true;
    }

    /// The outcome once read_root() succeeded: the first schema error, else the first missing
    /// required field in the contract's order.
    [[nodiscard]] parse_status finish() const noexcept {
        if (!err_.ok()) {
            return err_;
        }
        const auto missing = [this](root_key k) {
            return (seen_ & (1U << static_cast<unsigned>(k))) == 0;
        };
        if (missing(root_key::id)) {
            return {reject_reason::missing_field, field::id};
        }
        if (missing(root_key::platform)) {
            return {reject_reason::missing_field, field::platform};
        }
        if (missing(root_key::created_at)) {
            return {reject_reason::missing_field, field::created_at};
        }
        if (missing(root_key::text)) {
            return {reject_reason::missing_field, field::text};
        }
        if (!has_author_id_) {
            return {reject_reason::missing_field, field::author_id};
        }
        return {};
    }

  private:
    void fail(reject_reason r, std::string_view name) noexcept {
        if (err_.ok()) {
            err_ = {r, name};
        }
    }

    /// Handles a value whose fast typed read said INCORRECT_TYPE: validates it and records
    /// wrong_type, except that null means "absent" for an optional field.
    [[nodiscard]] bool wrong_type_or_null(od::value& v, int depth, std::string_view name,
                                          bool required) noexcept {
        const json_kind k = validate_value(v, depth);
        if (k == json_kind::invalid) {
            return false;
        }
        if (k != json_kind::null || required) {
            fail(reject_reason::wrong_type, name);
        }
        return true;
    }

    [[nodiscard]] bool read_string(od::value& v, int depth, std::string_view name, bool required,
                                   std::string_view& out, bool& present) noexcept {
        if (read_raw_string(v, out)) [[likely]] {
            present = true;
            return true;
        }
        const error_code e = v.get_string().get(out);
        if (e == simdjson::SUCCESS) [[likely]] {
            present = true;
            return true;
        }
        out = {};
        if (e != simdjson::INCORRECT_TYPE) {
            return false;
        }
        return wrong_type_or_null(v, depth, name, required);
    }

    [[nodiscard]] bool read_string(od::value& v, int depth, std::string_view name, bool required,
                                   std::string_view& out) noexcept {
        bool present = false;
        return read_string(v, depth, name, required, out, present);
    }

    /// An optional integer ≥ 0.
    [[nodiscard]] bool read_count(od::value& v, int depth, std::string_view name,
                                  std::uint64_t& out) noexcept {
        if (read_short_count(v, out) || v.get_uint64().get(out) == simdjson::SUCCESS) [[likely]] {
            return true;
        }
        out = 0;
        od::json_type t{};
        if (v.type().get(t) != simdjson::SUCCESS) {
            return false;
        }
        if (t != od::json_type::number) {
            return wrong_type_or_null(v, depth, name, false);
        }
        const number_token n = scan_number(trim_token(v.raw_json_token()));
        if (!n.valid) {
            return false;
        }
        if (!n.integer) {
            fail(reject_reason::wrong_type, name);
        } else if (!n.fits_u64 || (n.negative && n.magnitude != 0)) {
            fail(reject_reason::out_of_range, name);
        } else {
            out = n.magnitude; // "-0"
        }
        return true;
    }

    [[nodiscard]] bool read_created_at(od::value& v) noexcept {
        od::json_type t{};
        if (v.type().get(t) != simdjson::SUCCESS) {
            return false;
        }
        millis ms = 0;
        if (t == od::json_type::string) {
            std::string_view s;
            if (!read_raw_string(v, s) && v.get_string().get(s) != simdjson::SUCCESS) {
                return false;
            }
            const time_errc e = fast_rfc3339(s, ms) ? time_errc::ok : parse_rfc3339(s, ms);
            if (e == time_errc::invalid) {
                fail(reject_reason::invalid_timestamp, field::created_at);
                return true;
            }
            if (e == time_errc::out_of_range) {
                fail(reject_reason::out_of_range, field::created_at);
                return true;
            }
        } else if (t == od::json_type::number) {
            std::int64_t i = 0;
            if (v.get_int64().get(i) == simdjson::SUCCESS) {
                ms = i;
            } else {
                const number_token n = scan_number(trim_token(v.raw_json_token()));
                if (!n.valid) {
                    return false;
                }
                // A valid integer that get_int64 refused does not fit in int64.
                fail(n.integer ? reject_reason::out_of_range : reject_reason::wrong_type,
                     field::created_at);
                return true;
            }
        } else {
            return wrong_type_or_null(v, 2, field::created_at, true);
        }
        if (ms < k_min_event_time || ms >= k_max_event_time) {
            fail(reject_reason::out_of_range, field::created_at);
            return true;
        }
        out_.created_at = ms;
        return true;
    }

    void set_sentiment(double d) noexcept {
        if (d < -1.0 || d > 1.0) {
            fail(reject_reason::out_of_range, field::sentiment);
        } else {
            out_.sentiment = static_cast<float>(d);
            out_.has_sentiment = true;
        }
    }

    [[nodiscard]] bool read_sentiment(od::value& v) noexcept {
        // simdjson 3.0.1's On-Demand get_double (as built here, the "fallback" kernel) misreads
        // decimals with more than 19 digits (-0.518446744073709551616 came back as -0.0019):
        // long tokens go through std::from_chars (correctly rounded), short ones stay fast.
        const std::string_view tok = trim_token(v.raw_json_token());
        constexpr std::size_t k_max_simdjson_digits = 19;
        double d = 0;
        if (tok.size() <= k_max_simdjson_digits && v.get_double().get(d) == simdjson::SUCCESS)
            [[likely]] {
            set_sentiment(d);
            return true;
        }
        od::json_type t{};
        if (v.type().get(t) != simdjson::SUCCESS) {
            return false;
        }
        if (t != od::json_type::number) {
            return wrong_type_or_null(v, 2, field::sentiment, false);
        }
        if (!scan_number(tok).valid) {
            return false;
        }
        const auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), d);
        if (ec == std::errc{} && ptr == tok.data() + tok.size()) {
            set_sentiment(d);
        } else if (ec == std::errc::result_out_of_range &&
                   tok.find_first_of("eE") != std::string_view::npos &&
                   tok[tok.find_first_of("eE") + 1] == '-') {
            set_sentiment(0.0); // underflow (1e-400): a valid number, zero as a double
        } else {
            fail(reject_reason::out_of_range, field::sentiment); // 1e400
        }
        return true;
    }

    [[nodiscard]] bool read_bool(od::value& v, int depth, std::string_view name,
                                 bool& out) noexcept {
        if (v.get_bool().get(out) == simdjson::SUCCESS) [[likely]] {
            return true;
        }
        out = false;
        return wrong_type_or_null(v, depth, name, false);
    }

    /// Walks a nested object (`author`, `engagement`): `match`/`classify` map its keys,
    /// `read_field(key, value)` reads a known key's first occurrence. Unknown keys, repeated keys
    /// and everything after the first schema error are only validated. A non-object is
    /// wrong_type (`null` too when `required`; otherwise null means absent).
    template <class Key, class Match, class Classify, class ReadField>
    [[nodiscard]] bool read_nested(od::value& v, std::string_view name, bool required, Match match,
                                   Classify classify, ReadField read_field) noexcept {
        od::object o;
        const error_code e = v.get_object().get(o);
        if (e != simdjson::SUCCESS) {
            return e == simdjson::INCORRECT_TYPE && wrong_type_or_null(v, 2, name, required);
        }
        unsigned seen = 0;
        for (auto fr : o) {
            if (fr.error() != simdjson::SUCCESS) {
                return false;
            }
            // By reference: copying the field out of its simdjson_result costs a store-forwarding
            // stall per field (a 16-byte load of two narrower stores).
            od::field& f = fr.value_unsafe();
            Key k = Key::unknown;
            if (!key_of(f, match, classify, k)) {
                return false;
            }
            od::value& fv = f.value();
            const unsigned bit = 1U << static_cast<unsigned>(k);
            if (k == Key::unknown || (seen & bit) != 0 || !err_.ok()) {
                if (validate_value(fv, 3) == json_kind::invalid) {
                    return false;
                }
                continue;
            }
            seen |= bit;
            if (!read_field(k, fv)) {
                return false;
            }
        }
        return true;
    }

    [[nodiscard]] bool read_author(od::value& v) noexcept {
        // "author": null is a required object given as null: wrong_type, not missing.
        return read_nested<author_key>(
            v, field::author, true, match_author, classify_author,
            [this](author_key k, od::value& fv) noexcept {
                switch (k) {
                case author_key::id:
                    return read_string(fv, 3, field::author_id, true, out_.author_id,
                                       has_author_id_);
                case author_key::handle:
                    return read_string(fv, 3, field::author_handle, false, out_.author_handle);
                case author_key::followers:
                    return read_count(fv, 3, field::author_followers, out_.followers);
                case author_key::verified:
                    return read_bool(fv, 3, field::author_verified, out_.verified);
                case author_key::unknown:
                    break;
                }
                return true;
            });
    }

    [[nodiscard]] bool read_engagement(od::value& v) noexcept {
        return read_nested<engagement_key>(
            v, field::engagement, false, match_engagement, classify_engagement,
            [this](engagement_key k, od::value& fv) noexcept {
                // Indexed by engagement_key: every count is read the same way.
                static constexpr std::array<std::string_view, 4> k_names = {
                    field::likes, field::shares, field::comments, field::views};
                static constexpr std::array<std::uint64_t mention::*, 4> k_targets = {
                    &mention::likes, &mention::shares, &mention::comments, &mention::views};
                const auto i = static_cast<std::size_t>(k);
                return i >= k_names.size() || read_count(fv, 3, k_names[i], out_.*k_targets[i]);
            });
    }

    [[nodiscard]] bool read_root_field(root_key k, od::value& v) noexcept {
        switch (k) {
        case root_key::id: {
            if (!read_string(v, 2, field::id, true, out_.id)) {
                return false;
            }
            if (err_.ok() && (out_.id.empty() || out_.id.size() > k_max_id_bytes)) {
                fail(reject_reason::out_of_range, field::id);
            }
            return true;
        }
        case root_key::platform: {
            std::string_view s;
            bool present = false;
            if (!read_string(v, 2, field::platform, true, s, present)) {
                return false;
            }
            out_.plat = normalise_platform(s);
            return true;
        }
        case root_key::created_at:
            return read_created_at(v);
        case root_key::text: {
            if (!read_string(v, 2, field::text, true, out_.text)) {
                return false;
            }
            if (out_.text.size() > opts_.max_text_bytes) {
                fail(reject_reason::out_of_range, field::text);
            }
            return true;
        }
        case root_key::author:
            return read_author(v);
        case root_key::lang: {
            std::string_view s;
            bool present = false;
            if (!read_string(v, 2, field::lang, false, s, present)) {
                return false;
            }
            if (present) {
                out_.lang = normalise_lang(s);
            }
            return true;
        }
        case root_key::engagement:
            return read_engagement(v);
        case root_key::repost_of:
            return read_string(v, 2, field::repost_of, false, out_.repost_of, out_.has_repost_of);
        case root_key::sentiment:
            return read_sentiment(v);
        case root_key::country:
            return read_string(v, 2, field::country, false, out_.country);
        case root_key::url:
            return read_string(v, 2, field::url, false, out_.url);
        case root_key::unknown:
            break;
        }
        return true;
    }

    mention& out_;
    const parse_options& opts_;
    parse_status err_;
    std::uint32_t seen_ = 0;
    bool has_author_id_ = false;
};

/// The record is valid JSON but not an object, or not valid JSON at all. Validates the root
/// value fully so the two are told apart; `end` is one past the record's last byte.
reject_reason classify_non_object(od::document& doc, od::json_type t, const char* end) noexcept {
    const reject_reason bad = reject_reason::invalid_json;
    if (t == od::json_type::array) {
        od::array a;
        if (doc.get_array().get(a) != simdjson::SUCCESS) {
            return bad;
        }
        for (auto er : a) {
            od::value e;
            if (std::move(er).get(e) != simdjson::SUCCESS ||
                validate_value(e, 2) == json_kind::invalid) {
                return bad;
            }
        }
        return doc.current_location().error() == simdjson::OUT_OF_BOUNDS
                   ? reject_reason::not_an_object
                   : bad;
    }
    // A scalar root is valid when it is the only token: its raw token (trailing white space
    // included) then runs to the end of the record.
    std::string_view tok;
    if (doc.raw_json_token().get(tok) != simdjson::SUCCESS || tok.data() + tok.size() != end) {
        return bad;
    }
    bool ok = false;
    switch (t) {
    case od::json_type::string: {
        std::string_view s;
        ok = doc.get_string().get(s) == simdjson::SUCCESS;
        break;
    }
    case od::json_type::number:
        ok = scan_number(trim_token(tok)).valid;
        break;
    case od::json_type::boolean:
    case od::json_type::null:
        ok = is_literal(tok, t);
        break;
    case od::json_type::array:
    case od::json_type::object:
        break;
    }
    return ok ? reject_reason::not_an_object : bad;
}

/// `m = mention{}`, field by field: GCC (generic tuning) turns the aggregate assignment into
/// `rep stos`, whose start-up cost showed up as 4 % of a parse.
void reset(mention& m) noexcept {
    m.id = {};
    m.text = {};
    m.author_id = {};
    m.author_handle = {};
    m.repost_of = {};
    m.country = {};
    m.url = {};
    m.created_at = 0;
    m.followers = 0;
    m.likes = 0;
    m.shares = 0;
    m.comments = 0;
    m.views = 0;
    m.sentiment = 0.0F;
    m.plat = platform::other;
    m.lang = lang_code{};
    m.verified = false;
    m.has_sentiment = false;
    m.has_repost_of = false;
}

} // namespace

struct mention_parser::impl {
    explicit impl(parse_options o) : opts(o) {
        // Start small; ensure_capacity() grows geometrically up to max_record_bytes.
        const std::size_t cap =
            std::max<std::size_t>(1, std::min(opts.max_record_bytes, k_initial_capacity));
        PULSO_ASSERT(parser.allocate(cap) == simdjson::SUCCESS, "simdjson allocate({}) failed",
                     cap);
    }

    void ensure_capacity(std::size_t len) noexcept {
        if (parser.capacity() >= len) [[likely]] {
            return;
        }
        const std::size_t cap =
            std::max(len, std::min(opts.max_record_bytes, parser.capacity() * 2));
        // Out of memory for at most max_record_bytes: nothing sensible to do per record.
        PULSO_ASSERT(parser.allocate(cap) == simdjson::SUCCESS, "simdjson allocate({}) failed",
                     cap);
    }

    const char* padded_copy(std::string_view record) noexcept {
        if (!copy) [[unlikely]] {
            // Once, sized for the largest record we accept: no reallocation afterwards.
            copy = std::make_unique_for_overwrite<char[]>(opts.max_record_bytes +
                                                          simdjson::SIMDJSON_PADDING);
        }
        std::memcpy(copy.get(), record.data(), record.size());
        // Deterministic padding: bytes of an earlier, longer record never follow this one.
        std::memset(copy.get() + record.size(), 0, simdjson::SIMDJSON_PADDING);
        return copy.get();
    }

    parse_status parse(std::string_view record, mention& out, bool padded) noexcept {
        reset(out);
        if (record.size() > opts.max_record_bytes) {
            return {reject_reason::too_large, {}};
        }
        // A UTF-8 byte-order mark before the object (Windows tools write one) is ignored, as
        // RFC 8259 section 8.1 allows; the bytes after the record are its padding either way.
        if (record.starts_with("\xEF\xBB\xBF")) [[unlikely]] {
            record.remove_prefix(3);
        }
        if (record.empty()) {
            return {reject_reason::invalid_json, {}};
        }
        ensure_capacity(record.size());
        const char* data = padded ? record.data() : padded_copy(record);
        // Results are used in place (value_unsafe after the error check): default-constructing
        // a document and moving the result into it cost a 176-byte `rep stos` and a copy.
        auto doc_result =
            parser.iterate(data, record.size(), record.size() + simdjson::SIMDJSON_PADDING);
        if (doc_result.error() != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        od::document& doc = doc_result.value_unsafe();
        od::json_type t{};
        if (doc.type().get(t) != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        if (t != od::json_type::object) {
            return {classify_non_object(doc, t, data + record.size()), {}};
        }
        auto obj_result = doc.get_object();
        if (obj_result.error() != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        od::object& obj = obj_result.value_unsafe();
        record_reader reader(out, opts);
        // Trailing content after the root object ("{} x", "{}}") is invalid JSON.
        if (!reader.read_root(obj) || doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
            reset(out);
            return {reject_reason::invalid_json, {}};
        }
        const parse_status st = reader.finish();
        if (!st.ok()) {
            reset(out);
        }
        return st;
    }

    parse_options opts;
    od::parser parser;
    std::unique_ptr<char[]> copy; ///< max_record_bytes + SIMDJSON_PADDING, for unpadded input
};

mention_parser::mention_parser(parse_options opts) : impl_(std::make_unique<impl>(opts)) {}

mention_parser::~mention_parser() = default;

parse_status mention_parser::parse(std::string_view record, mention& out, bool padded) noexcept {
    return impl_->parse(record, out, padded);
}

} // namespace pulso
