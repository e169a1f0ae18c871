#include "pulso/core/time.h"

#include <charconv>
#include <cstdio>

namespace pulso {
namespace {

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
    if (pos + n > s.size()) {
        return false;
    }
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (!is_digit(c)) {
            return false;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    out = v;
    return true;
}

constexpr bool is_leap(unsigned y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(unsigned y, unsigned m) noexcept {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yy + (m <= 2));
}

} // namespace

time_errc parse_rfc3339(std::string_view s, millis& out) noexcept {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !read_digits(s, 5, 2, mo) ||
        s[7] != '-' || !read_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !read_digits(s, 11, 2, h) || s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' ||
        !read_digits(s, 17, 2, sec)) {
        return time_errc::invalid;
    }
    // A leap second (:60) is accepted and folded into the next second, as most parsers do.
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60) {
        return time_errc::invalid;
    }
    std::size_t pos = 19;
    unsigned ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        unsigned scale = 100;
        while (pos < s.size() && is_digit(s[pos])) {
            ms += static_cast<unsigned>(s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return time_errc::invalid;
        }
    }
    if (pos >= s.size()) {
        return time_errc::invalid;
    }
    std::int64_t offset_min = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        unsigned oh = 0, om = 0;
        if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return time_errc::invalid;
        }
        offset_min = static_cast<std::int64_t>(oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return time_errc::invalid;
    }
    if (pos != s.size()) {
        return time_errc::invalid;
    }
    const std::int64_t days = days_from_civil(y, mo, d);
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    out = secs * 1000 + ms;
    return time_errc::ok;
}

std::size_t format_rfc3339(millis t, char* out, bool with_ms) noexcept {
    const std::int64_t secs = floor_div(t, 1000);
    const auto ms = static_cast<unsigned>(t - secs * 1000);
    const std::int64_t days = floor_div(secs, 86400);
    const auto sod = static_cast<unsigned>(secs - days * 86400);
    int y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    int n = 0;
    if (with_ms && ms != 0) {
        n = std::snprintf(out, 25, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d, sod / 3600,
                          sod / 60 % 60, sod % 60, ms);
    } else {
        n = std::snprintf(out, 25, "%04d-%02u-%02uT%02u:%02u:%02uZ", y, m, d, sod / 3600,
                          sod / 60 % 60, sod % 60);
    }
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::string format_rfc3339(millis t, bool with_ms) {
    char buf[32];
    return {buf, format_rfc3339(t, buf, with_ms)};
}

std::optional<millis> parse_duration(std::string_view s) noexcept {
    if (s == "0") {
        return 0;
    }
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || ptr == s.data() || n < 0) {
        return std::nullopt;
    }
    const std::string_view unit(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
    std::int64_t mult = 0;
    if (unit == "ms") {
        mult = 1;
    } else if (unit == "s") {
        mult = 1000;
    } else if (unit == "m") {
        mult = 60'000;
    } else if (unit == "h") {
        mult = 3'600'000;
    } else {
        return std::nullopt;
    }
    if (n > (std::int64_t{1} << 50) / mult) {
        return std::nullopt;
    }
    return n * mult;
}

std::string format_duration(millis d) {
    if (d != 0 && d % 3'600'000 == 0) {
        return std::to_string(d / 3'600'000) + "h";
    }
    if (d != 0 && d % 60'000 == 0) {
        return std::to_string(d / 60'000) + "m";
    }
    if (d % 1000 == 0) {
        return std::to_string(d / 1000) + "s";
    }
    return std::to_string(d) + "ms";
}

} // namespace pulso
