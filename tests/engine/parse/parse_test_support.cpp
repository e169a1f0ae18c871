#include "parse_test_support.h"

#include "pulso/core/time.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

namespace pulso::test {
namespace {

using rng_t = std::mt19937_64;

std::uint64_t uniform(rng_t& rng, std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
}
bool chance(rng_t& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

template <class T, std::size_t N> const T& pick(rng_t& rng, const std::array<T, N>& a) {
    return a[uniform(rng, 0, N - 1)];
}

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

/// Decodes valid UTF-8 (the writer only sees strings it made or the parser accepted).
std::vector<char32_t> decode_utf8(std::string_view s) {
    std::vector<char32_t> cps;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int n = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            n = 1;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            n = 2;
        } else {
            cp = c & 0x07;
            n = 3;
        }
        ++i;
        for (int k = 0; k < n && i < s.size(); ++k, ++i) {
            cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
        }
        cps.push_back(cp);
    }
    return cps;
}

void append_u_escape(std::string& out, unsigned v, bool upper) {
    char buf[8];
    std::snprintf(buf, sizeof buf, upper ? "\\u%04X" : "\\u%04x", v);
    out += buf;
}

/// Code points for random text: mostly ASCII, with Spanish/Portuguese letters, emoji,
/// characters JSON must escape and a few that it may escape.
char32_t random_code_point(rng_t& rng) {
    static constexpr std::array<char32_t, 24> k_special = {
        U'é',  U'ñ', U'ã',  U'ç', U'Á', U'ü', U'€', U'中', U'😀', U'👍',      U'\n',         U'\t',
        U'\r', U'"', U'\\', U'/', U'#', U'@', 0x01, 0x1F,  0x7F, U'\u2028', U'\U0010FFFF', 0x00};
    if (chance(rng, 0.85)) {
        static constexpr std::string_view k_ascii =
            "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,!?;:'()-_";
        return static_cast<char32_t>(k_ascii[uniform(rng, 0, k_ascii.size() - 1)]);
    }
    return pick(rng, k_special);
}

std::string random_text(rng_t& rng, std::size_t max_bytes) {
    const std::size_t target = uniform(rng, 0, max_bytes);
    std::string s;
    while (true) {
        std::string cp;
        append_utf8(cp, random_code_point(rng));
        if (s.size() + cp.size() > target) {
            break;
        }
        s += cp;
    }
    return s;
}

std::string random_id(rng_t& rng) {
    const std::size_t len = chance(rng, 0.05) ? uniform(rng, 1, 256) : uniform(rng, 1, 24);
    std::string s;
    while (s.size() < len) {
        std::string cp;
        append_utf8(cp, chance(rng, 0.9) ? static_cast<char32_t>('0' + uniform(rng, 0, 9))
                                         : random_code_point(rng));
        if (s.size() + cp.size() > len) {
            cp = "x";
        }
        s += cp;
    }
    return s;
}

std::string ws(rng_t* rng) {
    if (rng == nullptr || !chance(*rng, 0.2)) {
        return {};
    }
    static constexpr std::array<std::string_view, 5> k_ws = {" ", "  ", "\n", "\t", "\r\n "};
    return std::string(pick(*rng, k_ws));
}

std::string json_string(std::string_view s, rng_t* rng = nullptr) {
    std::string out;
    append_json_string(out, s, rng);
    return out;
}

struct member {
    std::string key; ///< raw JSON of the key, quotes included
    std::string value;
};

std::string serialise(const std::vector<member>& members, rng_t* rng) {
    std::string out = "{" + ws(rng);
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i != 0) {
            out += ws(rng) + "," + ws(rng);
        }
        out += members[i].key + ws(rng) + ":" + ws(rng) + members[i].value;
    }
    return out + ws(rng) + "}";
}

/// A key, sometimes with an escape that leaves it equal ("\u0069d" is "id").
std::string key_json(std::string_view k, rng_t& rng) {
    if (!chance(rng, 0.03)) {
        return "\"" + std::string(k) + "\"";
    }
    return json_string(k, &rng);
}

std::string random_json_value(rng_t& rng, int depth) {
    switch (uniform(rng, 0, depth > 3 ? 5 : 7)) {
    case 0:
        return "null";
    case 1:
        return chance(rng, 0.5) ? "true" : "false";
    case 2:
        return std::to_string(static_cast<std::int64_t>(uniform(rng, 0, 2'000'000)) - 1'000'000);
    case 3: {
        static constexpr std::array<std::string_view, 8> k_nums = {
            "1.5", "-0.25e3", "1E2", "0", "-0", "99999999999999999999", "1e400", "123.456e-7"};
        return std::string(pick(rng, k_nums));
    }
    case 4:
    case 5:
        return json_string(random_text(rng, 20), &rng);
    case 6: {
        std::string a = "[";
        const auto n = uniform(rng, 0, 3);
        for (std::uint64_t i = 0; i < n; ++i) {
            a += (i != 0 ? "," : "") + random_json_value(rng, depth + 1);
        }
        return a + "]";
    }
    default: {
        std::vector<member> m;
        const auto n = uniform(rng, 0, 3);
        for (std::uint64_t i = 0; i < n; ++i) {
            static constexpr std::array<std::string_view, 6> k_keys = {"id",    "text", "a",
                                                                       "likes", "x",    "author"};
            m.push_back({key_json(pick(rng, k_keys), rng), random_json_value(rng, depth + 1)});
        }
        return serialise(m, &rng);
    }
    }
}

std::string format_count(std::uint64_t v) {
    return std::to_string(v);
}

std::uint64_t random_count(rng_t& rng) {
    switch (uniform(rng, 0, 3)) {
    case 0:
        return 0;
    case 1:
        return uniform(rng, 0, 1000);
    case 2:
        return uniform(rng, 0, 10'000'000);
    default:
        return uniform(rng, 0, UINT64_MAX);
    }
}

/// created_at written as epoch ms or as RFC 3339 with a random offset and fraction.
std::string random_timestamp(rng_t& rng, millis t) {
    if (chance(rng, 0.3)) {
        return std::to_string(t);
    }
    const int offset_min =
        chance(rng, 0.5) ? 0 : static_cast<int>(uniform(rng, 0, 2 * 1439)) - 1439;
    const millis local = t + static_cast<millis>(offset_min) * 60'000;
    char buf[32];
    format_rfc3339(floor_div(local, 1000) * 1000, buf, false);
    std::string s(buf, 19); // YYYY-MM-DDTHH:MM:SS
    if (chance(rng, 0.2)) {
        s[10] = chance(rng, 0.5) ? 't' : ' ';
    }
    const auto ms = static_cast<unsigned>(local - floor_div(local, 1000) * 1000);
    if (ms != 0 || chance(rng, 0.3)) {
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%03u", ms);
        s += frac;
        if (ms % 100 == 0 && chance(rng, 0.5)) {
            s.resize(s.size() - 2); // ".5"
        } else {
            const auto extra = uniform(rng, 0, 6); // truncated to ms: ".123456789"
            for (std::uint64_t i = 0; i < extra; ++i) {
                s += static_cast<char>('0' + uniform(rng, 0, 9));
            }
        }
    }
    if (offset_min == 0 && chance(rng, 0.8)) {
        s += chance(rng, 0.8) ? "Z" : "z";
    } else {
        const int a = std::abs(offset_min);
        char off[16];
        std::snprintf(off, sizeof off, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
        s += off;
    }
    return json_string(s, &rng);
}

struct record_parts {
    std::vector<member> root;
    std::vector<member> author;
    std::vector<member> engagement;
    bool with_engagement = false;
};

std::string random_case(rng_t& rng, std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z' && chance(rng, 0.3)) {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

record_parts random_parts(rng_t& rng, const parse_options& opts, owned_mention& e) {
    record_parts p;
    e.id = random_id(rng);
    p.root.push_back({key_json("id", rng), json_string(e.id, &rng)});

    if (chance(rng, 0.85)) {
        const auto i = uniform(rng, 0, k_platform_count - 2);
        e.plat = static_cast<platform>(i);
        p.root.push_back(
            {key_json("platform", rng), json_string(random_case(rng, k_platform_names[i]), &rng)});
    } else {
        static constexpr std::array<std::string_view, 5> k_others = {"mastodon", "", "Twitter ",
                                                                     "INSTAGRAMM", "tw\u00edtter"};
        e.plat = platform::other;
        p.root.push_back({key_json("platform", rng), json_string(pick(rng, k_others), &rng)});
    }

    e.created_at = static_cast<millis>(uniform(rng, k_min_event_time, k_max_event_time - 1));
    p.root.push_back({key_json("created_at", rng), random_timestamp(rng, e.created_at)});

    e.text = random_text(rng, std::min<std::size_t>(opts.max_text_bytes, 400));
    p.root.push_back({key_json("text", rng), json_string(e.text, &rng)});

    e.author_id = chance(rng, 0.05) ? std::string() : random_id(rng);
    p.author.push_back({key_json("id", rng), json_string(e.author_id, &rng)});
    if (chance(rng, 0.6)) {
        e.author_handle = "@" + random_text(rng, 15);
        p.author.push_back({key_json("handle", rng), json_string(e.author_handle, &rng)});
    } else if (chance(rng, 0.2)) {
        p.author.push_back({key_json("handle", rng), "null"});
    }
    if (chance(rng, 0.7)) {
        e.followers = random_count(rng);
        p.author.push_back({key_json("followers", rng), format_count(e.followers)});
    }
    if (chance(rng, 0.5)) {
        e.verified = chance(rng, 0.5);
        p.author.push_back({key_json("verified", rng), e.verified ? "true" : "false"});
    } else if (chance(rng, 0.2)) {
        p.author.push_back({key_json("verified", rng), "null"});
    }
    if (chance(rng, 0.2)) {
        p.author.push_back({key_json("name", rng), random_json_value(rng, 2)});
    }

    if (chance(rng, 0.8)) {
        struct lang_case {
            std::string_view in;
            std::string_view out;
        };
        static constexpr std::array<lang_case, 16> k_langs = {{{"es", "es"},
                                                               {"en", "en"},
                                                               {"pt", "pt"},
                                                               {"es-MX", "es"},
                                                               {"pt_BR", "pt"},
                                                               {"EN-us", "en"},
                                                               {"zh-Hant-TW", "zh"},
                                                               {"fil", "fil"},
                                                               {"x-klingon", "und"},
                                                               {"", "und"},
                                                               {"e", "und"},
                                                               {"engl", "und"},
                                                               {"12", "und"},
                                                               {"ES", "es"},
                                                               {"\u00e9s", "und"},
                                                               {"-es", "und"}}};
        const lang_case& lc = pick(rng, k_langs);
        for (std::size_t i = 0; i < lc.out.size(); ++i) {
            e.lang.chars[i] = lc.out[i];
        }
        e.lang.chars[lc.out.size()] = 0;
        e.lang.size = static_cast<std::uint8_t>(lc.out.size());
        p.root.push_back({key_json("lang", rng), json_string(lc.in, &rng)});
    } else if (chance(rng, 0.3)) {
        p.root.push_back({key_json("lang", rng), "null"});
    }

    if (chance(rng, 0.8)) {
        p.with_engagement = true;
        const std::array<std::pair<std::string_view, std::uint64_t*>, 4> counts = {
            {{"likes", &e.likes},
             {"shares", &e.shares},
             {"comments", &e.comments},
             {"views", &e.views}}};
        for (const auto& [name, dst] : counts) {
            if (chance(rng, 0.7)) {
                *dst = random_count(rng);
                p.engagement.push_back({key_json(name, rng), format_count(*dst)});
            } else if (chance(rng, 0.2)) {
                p.engagement.push_back({key_json(name, rng), "null"});
            }
        }
        if (chance(rng, 0.1)) {
            p.engagement.push_back({key_json("quotes", rng), random_json_value(rng, 2)});
        }
    } else if (chance(rng, 0.2)) {
        p.root.push_back({key_json("engagement", rng), "null"});
    }

    if (chance(rng, 0.2)) {
        e.has_repost_of = true;
        e.repost_of = random_id(rng);
        p.root.push_back({key_json("repost_of", rng), json_string(e.repost_of, &rng)});
    } else if (chance(rng, 0.1)) {
        p.root.push_back({key_json("repost_of", rng), "null"});
    }
    if (chance(rng, 0.3)) {
        e.has_sentiment = true;
        double d = 0;
        std::string lit;
        switch (uniform(rng, 0, 3)) {
        case 0:
            d = static_cast<double>(static_cast<int>(uniform(rng, 0, 2)) - 1);
            lit = std::to_string(static_cast<int>(d));
            break;
        case 1:
            d = 0.5;
            lit = "5e-1";
            break;
        default: {
            d = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            lit = buf;
        }
        }
        e.sentiment = static_cast<float>(d);
        p.root.push_back({key_json("sentiment", rng), lit});
    } else if (chance(rng, 0.1)) {
        p.root.push_back({key_json("sentiment", rng), "null"});
    }
    if (chance(rng, 0.5)) {
        static constexpr std::array<std::string_view, 5> k_countries = {"MX", "AR", "BR", "US",
                                                                        "ES"};
        e.country = pick(rng, k_countries);
        p.root.push_back({key_json("country", rng), json_string(e.country, &rng)});
    }
    if (chance(rng, 0.4)) {
        e.url = "https://example.com/m/" + e.id;
        p.root.push_back({key_json("url", rng), json_string(e.url, &rng)});
    }
    // Unknown fields, and keys that only look like known ones.
    const auto unknown = uniform(rng, 0, 3);
    for (std::uint64_t i = 0; i < unknown; ++i) {
        static constexpr std::array<std::string_view, 6> k_unknown = {
            "hashtags", "ID", "author_id", "meta", "created", "texts"};
        p.root.push_back({key_json(pick(rng, k_unknown), rng), random_json_value(rng, 2)});
    }
    std::shuffle(p.root.begin(), p.root.end(), rng);
    std::shuffle(p.author.begin(), p.author.end(), rng);
    std::shuffle(p.engagement.begin(), p.engagement.end(), rng);
    return p;
}

std::string assemble(record_parts& p, rng_t& rng) {
    auto root = p.root;
    const auto author_pos = uniform(rng, 0, root.size());
    root.insert(root.begin() + static_cast<std::ptrdiff_t>(author_pos),
                {key_json("author", rng), serialise(p.author, &rng)});
    if (p.with_engagement) {
        const auto pos = uniform(rng, 0, root.size());
        root.insert(root.begin() + static_cast<std::ptrdiff_t>(pos),
                    {key_json("engagement", rng), serialise(p.engagement, &rng)});
    }
    // Duplicate keys: a later copy of a known key with another value never wins.
    if (chance(rng, 0.1) && !root.empty()) {
        const member dup{root[uniform(rng, 0, root.size() - 1)].key, random_json_value(rng, 2)};
        root.push_back(dup);
    }
    return ws(&rng) + serialise(root, &rng) + ws(&rng);
}

std::string random_wrong_value(rng_t& rng) {
    static constexpr std::array<std::string_view, 16> k_values = {"null",
                                                                  "true",
                                                                  "false",
                                                                  "1.5",
                                                                  "-3",
                                                                  "0",
                                                                  "-0",
                                                                  "\"str\"",
                                                                  "\"\"",
                                                                  "[]",
                                                                  "{}",
                                                                  "1e400",
                                                                  "99999999999999999999",
                                                                  "-99999999999999999999",
                                                                  "2e0",
                                                                  "[1,{}]"};
    return std::string(pick(rng, k_values));
}

void corrupt(record_parts& p, rng_t& rng) {
    auto corrupt_list = [&](std::vector<member>& list) {
        if (list.empty()) {
            return;
        }
        member& m = list[uniform(rng, 0, list.size() - 1)];
        switch (uniform(rng, 0, 3)) {
        case 0:
            list.erase(list.begin() + (&m - list.data()));
            break;
        case 1:
        case 2:
            m.value = random_wrong_value(rng);
            break;
        default:
            m.value = random_json_value(rng, 2);
        }
    };
    switch (uniform(rng, 0, 8)) {
    case 0:
    case 1:
        corrupt_list(p.root);
        break;
    case 2:
        corrupt_list(p.author);
        break;
    case 3:
        p.with_engagement = true;
        p.engagement.push_back({"\"likes\"", random_wrong_value(rng)});
        std::shuffle(p.engagement.begin(), p.engagement.end(), rng);
        break;
    case 4: {
        static constexpr std::array<std::string_view, 14> k_times = {
            "\"1999-12-31T23:59:59Z\"",
            "\"2000-01-01T00:00:00Z\"",
            "\"2099-12-31T23:59:59.999Z\"",
            "\"2100-01-01T00:00:00Z\"",
            "\"2026-02-30T00:00:00Z\"",
            "\"2026-11-26 04:00:00+05:30\"",
            "\"2026-11-26T04:00:00\"",
            "\"yesterday\"",
            "946684799999",
            "946684800000",
            "4102444800000",
            "4102444799999",
            "-1",
            "1.7e12"};
        p.root.push_back({"\"created_at\"", std::string(pick(rng, k_times))});
        std::shuffle(p.root.begin(), p.root.end(), rng);
        break;
    }
    case 5:
        p.root.push_back(
            {"\"id\"", chance(rng, 0.5) ? "\"\"" : json_string(std::string(257, 'x'))});
        std::shuffle(p.root.begin(), p.root.end(), rng);
        break;
    case 6:
        p.root.push_back({"\"sentiment\"", chance(rng, 0.5) ? "1.0000001" : "-2"});
        std::shuffle(p.root.begin(), p.root.end(), rng);
        break;
    case 7:
        p.author.clear();
        break;
    default: // over the 2048-byte limit the schema test uses: too_large
        p.root.push_back({"\"pad\"", json_string(std::string(2100, 'p'))});
        break;
    }
}

} // namespace

owned_mention to_owned(const mention& m) {
    owned_mention o;
    o.id = m.id;
    o.text = m.text;
    o.author_id = m.author_id;
    o.author_handle = m.author_handle;
    o.repost_of = m.repost_of;
    o.country = m.country;
    o.url = m.url;
    o.created_at = m.created_at;
    o.followers = m.followers;
    o.likes = m.likes;
    o.shares = m.shares;
    o.comments = m.comments;
    o.views = m.views;
    o.sentiment = m.sentiment;
    o.plat = m.plat;
    o.lang = m.lang;
    o.verified = m.verified;
    o.has_sentiment = m.has_sentiment;
    o.has_repost_of = m.has_repost_of;
    return o;
}

std::string describe_diff(const owned_mention& a, const owned_mention& b) {
    std::ostringstream os;
    auto cmp = [&os](std::string_view name, const auto& x, const auto& y) {
        if (os.tellp() == 0 && !(x == y)) {
            os << name << ": '" << x << "' vs '" << y << "'";
        }
    };
    cmp("id", a.id, b.id);
    cmp("text", a.text, b.text);
    cmp("author_id", a.author_id, b.author_id);
    cmp("author_handle", a.author_handle, b.author_handle);
    cmp("repost_of", a.repost_of, b.repost_of);
    cmp("country", a.country, b.country);
    cmp("url", a.url, b.url);
    cmp("created_at", a.created_at, b.created_at);
    cmp("followers", a.followers, b.followers);
    cmp("likes", a.likes, b.likes);
    cmp("shares", a.shares, b.shares);
    cmp("comments", a.comments, b.comments);
    cmp("views", a.views, b.views);
    cmp("sentiment", a.sentiment, b.sentiment);
    cmp("platform", to_string(a.plat), to_string(b.plat));
    cmp("lang", a.lang.view(), b.lang.view());
    cmp("verified", a.verified, b.verified);
    cmp("has_sentiment", a.has_sentiment, b.has_sentiment);
    cmp("has_repost_of", a.has_repost_of, b.has_repost_of);
    return os.str();
}

void append_json_string(std::string& out, std::string_view s, std::mt19937_64* rng) {
    out += '"';
    for (const char32_t cp : decode_utf8(s)) {
        const bool upper = rng != nullptr && chance(*rng, 0.5);
        const bool escape_anyway = rng != nullptr && chance(*rng, 0.15);
        if (cp == '"' || cp == '\\') {
            if (escape_anyway) {
                append_u_escape(out, static_cast<unsigned>(cp), upper);
            } else {
                out += '\\';
                out += static_cast<char>(cp);
            }
        } else if (cp < 0x20) {
            const char* short_form = nullptr;
            switch (cp) {
            case '\n':
                short_form = "\\n";
                break;
            case '\t':
                short_form = "\\t";
                break;
            case '\r':
                short_form = "\\r";
                break;
            case '\b':
                short_form = "\\b";
                break;
            case '\f':
                short_form = "\\f";
                break;
            default:
                break;
            }
            if (short_form != nullptr && !escape_anyway) {
                out += short_form;
            } else {
                append_u_escape(out, static_cast<unsigned>(cp), upper);
            }
        } else if (cp == '/' && escape_anyway) {
            out += "\\/";
        } else if (escape_anyway) {
            if (cp >= 0x10000) {
                const char32_t v = cp - 0x10000;
                append_u_escape(out, static_cast<unsigned>(0xD800 + (v >> 10)), upper);
                append_u_escape(out, static_cast<unsigned>(0xDC00 + (v & 0x3FF)), upper);
            } else {
                append_u_escape(out, static_cast<unsigned>(cp), upper);
            }
        } else {
            append_utf8(out, cp);
        }
    }
    out += '"';
}

valid_record random_valid_record(std::mt19937_64& rng, const parse_options& opts) {
    valid_record r;
    record_parts p = random_parts(rng, opts, r.expected);
    r.json = assemble(p, rng);
    return r;
}

std::string random_schema_record(std::mt19937_64& rng) {
    owned_mention ignored;
    parse_options small;
    small.max_text_bytes = 64;
    record_parts p = random_parts(rng, small, ignored);
    const auto n = uniform(rng, 0, 3);
    for (std::uint64_t i = 0; i < n; ++i) {
        corrupt(p, rng);
    }
    return assemble(p, rng);
}

std::string write_mention(const owned_mention& m, std::mt19937_64* rng) {
    std::string s = "{\"id\":" + json_string(m.id, rng);
    s += ",\"platform\":" + json_string(to_string(m.plat), rng);
    s += ",\"created_at\":" + std::to_string(m.created_at);
    s += ",\"text\":" + json_string(m.text, rng);
    s += ",\"author\":{\"id\":" + json_string(m.author_id, rng);
    if (!m.author_handle.empty()) {
        s += ",\"handle\":" + json_string(m.author_handle, rng);
    }
    s += ",\"followers\":" + std::to_string(m.followers);
    s += std::string(",\"verified\":") + (m.verified ? "true" : "false") + "}";
    s += ",\"lang\":" + json_string(m.lang.view(), rng);
    s += ",\"engagement\":{\"likes\":" + std::to_string(m.likes) +
         ",\"shares\":" + std::to_string(m.shares) + ",\"comments\":" + std::to_string(m.comments) +
         ",\"views\":" + std::to_string(m.views) + "}";
    if (m.has_repost_of) {
        s += ",\"repost_of\":" + json_string(m.repost_of, rng);
    }
    if (m.has_sentiment) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(m.sentiment));
        s += ",\"sentiment\":" + std::string(buf);
    }
    if (!m.country.empty()) {
        s += ",\"country\":" + json_string(m.country, rng);
    }
    if (!m.url.empty()) {
        s += ",\"url\":" + json_string(m.url, rng);
    }
    return s + "}";
}

// ---------------------------------------------------------------------------------------------
// Reference parser: the contract written the obvious way over a fully built DOM.

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct ref_state {
    parse_status err;
    const parse_options* opts = nullptr;
    owned_mention* out = nullptr;
    bool has[5] = {}; // id, platform, created_at, text, author.id

    void fail(reject_reason r, std::string_view f) {
        if (err.ok()) {
            err = {r, f};
        }
    }
};

bool read_str(ref_state& st, element v, std::string_view name, bool required, std::string& out) {
    if (v.type() == element_type::STRING) {
        out = std::string(v.get_string().value_unsafe());
        return true;
    }
    if (v.type() != element_type::NULL_VALUE || required) {
        st.fail(reject_reason::wrong_type, name);
    }
    return false;
}

void read_count(ref_state& st, element v, std::string_view name, std::uint64_t& out) {
    switch (v.type()) {
    case element_type::UINT64:
        out = v.get_uint64().value_unsafe();
        break;
    case element_type::INT64: {
        const std::int64_t i = v.get_int64().value_unsafe();
        if (i < 0) {
            st.fail(reject_reason::out_of_range, name);
        } else {
            out = static_cast<std::uint64_t>(i);
        }
        break;
    }
    case element_type::NULL_VALUE:
        break;
    default:
        st.fail(reject_reason::wrong_type, name);
    }
}

platform ref_platform(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return platform_from_lower(s);
}

lang_code ref_lang(const std::string& s) {
    const std::string primary = s.substr(0, s.find_first_of("-_"));
    lang_code l;
    if (primary.size() < 2 || primary.size() > 3) {
        return l;
    }
    for (std::size_t i = 0; i < primary.size(); ++i) {
        char c = primary[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c < 'a' || c > 'z') {
            return lang_code{};
        }
        l.chars[i] = c;
    }
    l.chars[primary.size()] = 0;
    l.size = static_cast<std::uint8_t>(primary.size());
    return l;
}

void ref_field(ref_state& st, std::string_view key, element v) {
    owned_mention& m = *st.out;
    if (key == "id") {
        if (read_str(st, v, "id", true, m.id)) {
            st.has[0] = true;
            if (m.id.empty() || m.id.size() > 256) {
                st.fail(reject_reason::out_of_range, "id");
            }
        }
    } else if (key == "platform") {
        std::string s;
        if (read_str(st, v, "platform", true, s)) {
            st.has[1] = true;
            m.plat = ref_platform(s);
        }
    } else if (key == "created_at") {
        millis t = 0;
        bool got = false;
        if (v.type() == element_type::STRING) {
            if (parse_rfc3339(v.get_string().value_unsafe(), t) != time_errc::ok) {
                st.fail(reject_reason::invalid_timestamp, "created_at");
            } else {
                got = true;
            }
        } else if (v.type() == element_type::INT64) {
            t = v.get_int64().value_unsafe();
            got = true;
        } else if (v.type() == element_type::UINT64) {
            st.fail(reject_reason::out_of_range, "created_at");
        } else {
            st.fail(reject_reason::wrong_type, "created_at");
        }
        if (got) {
            if (t < k_min_event_time || t >= k_max_event_time) {
                st.fail(reject_reason::out_of_range, "created_at");
            } else {
                m.created_at = t;
                st.has[2] = true;
            }
        }
    } else if (key == "text") {
        if (read_str(st, v, "text", true, m.text)) {
            st.has[3] = true;
            if (m.text.size() > st.opts->max_text_bytes) {
                st.fail(reject_reason::out_of_range, "text");
            }
        }
    } else if (key == "author") {
        if (v.type() != element_type::OBJECT) {
            st.fail(reject_reason::wrong_type, "author");
            return;
        }
        std::vector<std::string_view> seen;
        const simdjson::dom::object obj = v.get_object().value_unsafe();
        for (const auto kv : obj) {
            if (!st.err.ok()) {
                return;
            }
            if (std::find(seen.begin(), seen.end(), kv.key) != seen.end()) {
                continue;
            }
            seen.push_back(kv.key);
            if (kv.key == "id") {
                st.has[4] = read_str(st, kv.value, "author.id", true, m.author_id);
            } else if (kv.key == "handle") {
                read_str(st, kv.value, "author.handle", false, m.author_handle);
            } else if (kv.key == "followers") {
                read_count(st, kv.value, "author.followers", m.followers);
            } else if (kv.key == "verified") {
                if (kv.value.type() == element_type::BOOL) {
                    m.verified = kv.value.get_bool().value_unsafe();
                } else if (kv.value.type() != element_type::NULL_VALUE) {
                    st.fail(reject_reason::wrong_type, "author.verified");
                }
            }
        }
    } else if (key == "lang") {
        std::string s;
        if (read_str(st, v, "lang", false, s)) {
            m.lang = ref_lang(s);
        }
    } else if (key == "engagement") {
        if (v.type() == element_type::NULL_VALUE) {
            return;
        }
        if (v.type() != element_type::OBJECT) {
            st.fail(reject_reason::wrong_type, "engagement");
            return;
        }
        std::vector<std::string_view> seen;
        const simdjson::dom::object obj = v.get_object().value_unsafe();
        for (const auto kv : obj) {
            if (!st.err.ok()) {
                return;
            }
            if (std::find(seen.begin(), seen.end(), kv.key) != seen.end()) {
                continue;
            }
            seen.push_back(kv.key);
            if (kv.key == "likes") {
                read_count(st, kv.value, "engagement.likes", m.likes);
            } else if (kv.key == "shares") {
                read_count(st, kv.value, "engagement.shares", m.shares);
            } else if (kv.key == "comments") {
                read_count(st, kv.value, "engagement.comments", m.comments);
            } else if (kv.key == "views") {
                read_count(st, kv.value, "engagement.views", m.views);
            }
        }
    } else if (key == "repost_of") {
        m.has_repost_of = read_str(st, v, "repost_of", false, m.repost_of);
    } else if (key == "sentiment") {
        double d = 0;
        switch (v.type()) {
        case element_type::INT64:
            d = static_cast<double>(v.get_int64().value_unsafe());
            break;
        case element_type::UINT64:
            d = static_cast<double>(v.get_uint64().value_unsafe());
            break;
        case element_type::DOUBLE:
            d = v.get_double().value_unsafe();
            break;
        case element_type::NULL_VALUE:
            return;
        default:
            st.fail(reject_reason::wrong_type, "sentiment");
            return;
        }
        if (d < -1.0 || d > 1.0) {
            st.fail(reject_reason::out_of_range, "sentiment");
        } else {
            m.sentiment = static_cast<float>(d);
            m.has_sentiment = true;
        }
    } else if (key == "country") {
        read_str(st, v, "country", false, m.country);
    } else if (key == "url") {
        read_str(st, v, "url", false, m.url);
    }
}

} // namespace

parse_status reference_parser::parse(std::string_view record, owned_mention& out, bool& unsure) {
    out = owned_mention{};
    unsure = false;
    if (record.size() > opts_.max_record_bytes) {
        return {reject_reason::too_large, {}};
    }
    if (record.starts_with("\xEF\xBB\xBF")) {
        record.remove_prefix(3); // a leading UTF-8 byte-order mark is ignored (README)
    }
    element root;
    const auto err = dom_.parse(record.data(), record.size()).get(root);
    if (err != simdjson::SUCCESS) {
        // The DOM cannot hold integers beyond uint64 or doubles beyond 1e308, valid as they are.
        unsure = err == simdjson::NUMBER_ERROR;
        return {reject_reason::invalid_json, {}};
    }
    if (root.type() != element_type::OBJECT) {
        return {reject_reason::not_an_object, {}};
    }
    ref_state st;
    st.opts = &opts_;
    st.out = &out;
    std::vector<std::string_view> seen;
    const simdjson::dom::object obj = root.get_object().value_unsafe();
    for (const auto kv : obj) {
        if (!st.err.ok()) {
            break;
        }
        if (std::find(seen.begin(), seen.end(), kv.key) != seen.end()) {
            continue; // the first occurrence of a key wins
        }
        seen.push_back(kv.key);
        ref_field(st, kv.key, kv.value);
    }
    parse_status result = st.err;
    if (result.ok()) {
        static constexpr std::array<std::string_view, 5> k_required = {
            "id", "platform", "created_at", "text", "author.id"};
        for (std::size_t i = 0; i < k_required.size(); ++i) {
            if (!st.has[i]) {
                result = {reject_reason::missing_field, k_required[i]};
                break;
            }
        }
    }
    if (!result.ok()) {
        out = owned_mention{};
    }
    return result;
}

} // namespace pulso::test
