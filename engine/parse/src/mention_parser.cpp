#include "pulso/parse/mention_parser.h"

#include "pulso/core/assert.h"
#include "pulso/core/time.h"

#include <simdjson.h>

#include <algorithm>
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

/// Compares a raw key (simdjson points just past its opening quote) with `lit`, which ends in
/// the closing quote, so a match is exact without first finding the key's length. Reading up
/// to sizeof(lit) bytes is safe: the key is followed by at least `":0}` and SIMDJSON_PADDING.
template <std::size_t N> bool raw_is(const char* p, const char (&lit)[N]) noexcept {
    return std::memcmp(p, lit, N - 1) == 0;
}

root_key match_root(const char* p) noexcept {
    switch (p[0]) {
    case 'i':
        return raw_is(p, "id\"") ? root_key::id : root_key::unknown;
    case 'p':
        return raw_is(p, "platform\"") ? root_key::platform : root_key::unknown;
    case 'c':
        if (raw_is(p, "created_at\"")) {
            return root_key::created_at;
        }
        return raw_is(p, "country\"") ? root_key::country : root_key::unknown;
    case 't':
        return raw_is(p, "text\"") ? root_key::text : root_key::unknown;
    case 'a':
        return raw_is(p, "author\"") ? root_key::author : root_key::unknown;
    case 'l':
        return raw_is(p, "lang\"") ? root_key::lang : root_key::unknown;
    case 'e':
        return raw_is(p, "engagement\"") ? root_key::engagement : root_key::unknown;
    case 'r':
        return raw_is(p, "repost_of\"") ? root_key::repost_of : root_key::unknown;
    case 's':
        return raw_is(p, "sentiment\"") ? root_key::sentiment : root_key::unknown;
    case 'u':
        return raw_is(p, "url\"") ? root_key::url : root_key::unknown;
    default:
        return root_key::unknown;
    }
}

author_key match_author(const char* p) noexcept {
    switch (p[0]) {
    case 'i':
        return raw_is(p, "id\"") ? author_key::id : author_key::unknown;
    case 'h':
        return raw_is(p, "handle\"") ? author_key::handle : author_key::unknown;
    case 'f':
        return raw_is(p, "followers\"") ? author_key::followers : author_key::unknown;
    case 'v':
        return raw_is(p, "verified\"") ? author_key::verified : author_key::unknown;
    default:
        return author_key::unknown;
    }
}

engagement_key match_engagement(const char* p) noexcept {
    switch (p[0]) {
    case 'l':
        return raw_is(p, "likes\"") ? engagement_key::likes : engagement_key::unknown;
    case 's':
        return raw_is(p, "shares\"") ? engagement_key::shares : engagement_key::unknown;
    case 'c':
        return raw_is(p, "comments\"") ? engagement_key::comments : engagement_key::unknown;
    case 'v':
        return raw_is(p, "views\"") ? engagement_key::views : engagement_key::unknown;
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

platform normalise_platform(std::string_view s) noexcept {
    constexpr std::size_t k_longest = 9; // "instagram"
    if (s.size() > k_longest) {
        return platform::other;
    }
    std::array<char, k_longest> buf{};
    for (std::size_t i = 0; i < s.size(); ++i) {
        buf[i] = to_lower(s[i]);
    }
    return platform_from_lower({buf.data(), s.size()});
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
        if (v.get_uint64().get(out) == simdjson::SUCCESS) [[likely]] {
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
            if (v.get_string().get(s) != simdjson::SUCCESS) {
                return false;
            }
            const time_errc e = parse_rfc3339(s, ms);
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

    [[nodiscard]] bool read_author(od::value& v) noexcept {
        od::object o;
        const error_code e = v.get_object().get(o);
        if (e != simdjson::SUCCESS) {
            // "author": null is a required object given as null: wrong_type, not missing.
            return e == simdjson::INCORRECT_TYPE && wrong_type_or_null(v, 2, field::author, true);
        }
        unsigned seen = 0;
        for (auto fr : o) {
            if (fr.error() != simdjson::SUCCESS) {
                return false;
            }
            // By reference: copying the field out of its simdjson_result costs a store-forwarding
            // stall per field (a 16-byte load of two narrower stores).
            od::field& f = fr.value_unsafe();
            author_key k = author_key::unknown;
            if (!key_of(f, match_author, classify_author, k)) {
                return false;
            }
            od::value& fv = f.value();
            const unsigned bit = 1U << static_cast<unsigned>(k);
            if (k == author_key::unknown || (seen & bit) != 0 || !err_.ok()) {
                if (validate_value(fv, 3) == json_kind::invalid) {
                    return false;
                }
                continue;
            }
            seen |= bit;
            bool ok = true;
            switch (k) {
            case author_key::id:
                ok = read_string(fv, 3, field::author_id, true, out_.author_id, has_author_id_);
                break;
            case author_key::handle:
                ok = read_string(fv, 3, field::author_handle, false, out_.author_handle);
                break;
            case author_key::followers:
                ok = read_count(fv, 3, field::author_followers, out_.followers);
                break;
            case author_key::verified:
                ok = read_bool(fv, 3, field::author_verified, out_.verified);
                break;
            case author_key::unknown:
                break;
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    [[nodiscard]] bool read_engagement(od::value& v) noexcept {
        od::object o;
        const error_code e = v.get_object().get(o);
        if (e != simdjson::SUCCESS) {
            return e == simdjson::INCORRECT_TYPE &&
                   wrong_type_or_null(v, 2, field::engagement, false);
        }
        unsigned seen = 0;
        for (auto fr : o) {
            if (fr.error() != simdjson::SUCCESS) {
                return false;
            }
            // By reference: copying the field out of its simdjson_result costs a store-forwarding
            // stall per field (a 16-byte load of two narrower stores).
            od::field& f = fr.value_unsafe();
            engagement_key k = engagement_key::unknown;
            if (!key_of(f, match_engagement, classify_engagement, k)) {
                return false;
            }
            od::value& fv = f.value();
            const unsigned bit = 1U << static_cast<unsigned>(k);
            if (k == engagement_key::unknown || (seen & bit) != 0 || !err_.ok()) {
                if (validate_value(fv, 3) == json_kind::invalid) {
                    return false;
                }
                continue;
            }
            seen |= bit;
            bool ok = true;
            switch (k) {
            case engagement_key::likes:
                ok = read_count(fv, 3, field::likes, out_.likes);
                break;
            case engagement_key::shares:
                ok = read_count(fv, 3, field::shares, out_.shares);
                break;
            case engagement_key::comments:
                ok = read_count(fv, 3, field::comments, out_.comments);
                break;
            case engagement_key::views:
                ok = read_count(fv, 3, field::views, out_.views);
                break;
            case engagement_key::unknown:
                break;
            }
            if (!ok) {
                return false;
            }
        }
        return true;
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
        out = mention{};
        if (record.size() > opts.max_record_bytes) {
            return {reject_reason::too_large, {}};
        }
        if (record.empty()) {
            return {reject_reason::invalid_json, {}};
        }
        ensure_capacity(record.size());
        const char* data = padded ? record.data() : padded_copy(record);
        od::document doc;
        if (parser.iterate(data, record.size(), record.size() + simdjson::SIMDJSON_PADDING)
                .get(doc) != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        od::json_type t{};
        if (doc.type().get(t) != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        if (t != od::json_type::object) {
            return {classify_non_object(doc, t, data + record.size()), {}};
        }
        od::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS) {
            return {reject_reason::invalid_json, {}};
        }
        record_reader reader(out, opts);
        // Trailing content after the root object ("{} x", "{}}") is invalid JSON.
        if (!reader.read_root(obj) || doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
            out = mention{};
            return {reject_reason::invalid_json, {}};
        }
        const parse_status st = reader.finish();
        if (!st.ok()) {
            out = mention{};
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
