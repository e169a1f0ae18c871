#include "pulso/http/http_util.h"

#include <charconv>

namespace pulso::http {

std::optional<listen_address> parse_listen_address(std::string_view s) {
    listen_address out;
    std::string_view port_s;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
            return std::nullopt;
        }
        out.host = std::string(s.substr(1, close - 1));
        port_s = s.substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        out.host = std::string(s.substr(0, colon));
        if (out.host.find(':') != std::string::npos) {
            return std::nullopt; // a bare IPv6 literal needs brackets
        }
        port_s = s.substr(colon + 1);
    }
    if (out.host.empty()) {
        out.host = "127.0.0.1";
    }
    if (port_s.empty() || port_s.size() > 5) {
        return std::nullopt;
    }
    unsigned port = 0;
    const auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
    if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535) {
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < s.size()) {
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) {
                out.push_back(c);
            } else {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
            }
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

void split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query) {
    query.clear();
    const auto q = target.find('?');
    path.assign(target.substr(0, q));
    if (q == std::string_view::npos) {
        return;
    }
    std::string_view rest = target.substr(q + 1);
    if (const auto frag = rest.find('#'); frag != std::string_view::npos) {
        rest = rest.substr(0, frag);
    }
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            query.emplace_back(url_decode(part), std::string());
        } else {
            query.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
        }
    }
}

std::optional<millis> parse_time_param(std::string_view s) noexcept {
    if (s.empty()) {
        return std::nullopt;
    }
    const bool digits_only = s.find_first_not_of("-0123456789") == std::string_view::npos;
    if (digits_only) {
        millis v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size()) {
            return std::nullopt;
        }
        return v;
    }
    millis v = 0;
    if (parse_rfc3339(s, v) != time_errc::ok) {
        return std::nullopt;
    }
    return v;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Every byte of `b` (the presented secret) is visited whatever the contents, and the
    // length difference is folded in rather than returned early.
    unsigned acc = a.size() == b.size() ? 0U : 1U;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const unsigned char x = a.empty() ? 0 : static_cast<unsigned char>(a[i % a.size()]);
        acc |= static_cast<unsigned>(x ^ static_cast<unsigned char>(b[i]));
    }
    // volatile: keeps the compiler from turning the loop into an early-exit comparison.
    volatile unsigned result = acc;
    return result == 0U && !a.empty();
}

std::optional<std::string_view> bearer_token(std::string_view header) noexcept {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
        header.remove_prefix(1);
    }
    constexpr std::string_view scheme = "bearer";
    if (header.size() <= scheme.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = header[i];
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != scheme[i]) {
            return std::nullopt;
        }
    }
    if (header[scheme.size()] != ' ' && header[scheme.size()] != '\t') {
        return std::nullopt;
    }
    header.remove_prefix(scheme.size());
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
        header.remove_prefix(1);
    }
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
        header.remove_suffix(1);
    }
    if (header.empty()) {
        return std::nullopt;
    }
    return header;
}

} // namespace pulso::http
