#include "pulso/core/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace pulso {
namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8_seq_len(std::string_view s, std::size_t i) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong =
        (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

} // namespace

json_writer& json_writer::key(std::string_view k) {
    comma();
    out_.push_back('"');
    escape(out_, k);
    out_.append("\":");
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::value(std::string_view s) {
    comma();
    out_.push_back('"');
    escape(out_, s);
    out_.push_back('"');
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(std::int64_t v) {
    comma();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(std::uint64_t v) {
    comma();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(double v, int max_decimals) {
    if (!std::isfinite(v)) {
        return null();
    }
    comma();
    // Round to max_decimals, then print the shortest representation of the rounded value, so
    // outputs are stable across platforms and free of float noise (0.30000000000000004).
    const double scale = std::pow(10.0, max_decimals);
    double r = std::round(v * scale) / scale;
    if (r == 0.0) {
        r = 0.0; // no "-0"
    }
    char buf[384];
    // Fixed notation: shortest round-trip digits without an exponent (100000, not 1e+05).
    const auto res = std::to_chars(buf, buf + sizeof buf, r, std::chars_format::fixed);
    out_.append(buf, res.ptr);
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(bool v) {
    comma();
    out_.append(v ? "true" : "false");
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::null() {
    comma();
    out_.append("null");
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::raw_value(std::string_view json) {
    comma();
    out_.append(json);
    need_comma_ = true;
    return *this;
}

void json_writer::escape(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            std::size_t j = i + 1;
            while (j < s.size()) {
                const auto d = static_cast<unsigned char>(s[j]);
                if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') {
                    break;
                }
                ++j;
            }
            out.append(s.data() + i, j - i);
            i = j;
            continue;
        }
        switch (c) {
        case '"':
            out.append("\\\"");
            ++i;
            continue;
        case '\\':
            out.append("\\\\");
            ++i;
            continue;
        case '\n':
            out.append("\\n");
            ++i;
            continue;
        case '\r':
            out.append("\\r");
            ++i;
            continue;
        case '\t':
            out.append("\\t");
            ++i;
            continue;
        default:
            break;
        }
        if (c < 0x20) {
            out.append("\\u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
            ++i;
            continue;
        }
        const std::size_t n = utf8_seq_len(s, i);
        if (n == 0) {
            out.append("\xEF\xBF\xBD"); // U+FFFD for an invalid byte
            ++i;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
}

std::string_view utf8_prefix(std::string_view s, std::size_t max) noexcept {
    if (s.size() <= max) {
        return s;
    }
    std::size_t n = max;
    // Back off over continuation bytes so that a multi-byte sequence is not split.
    std::size_t back = 0;
    while (n > 0 && back < 4 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
        --n;
        ++back;
    }
    return s.substr(0, n);
}

} // namespace pulso
