#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pulso {

/// Event time and durations: milliseconds since the Unix epoch (UTC).
using millis = std::int64_t;

inline constexpr millis k_min_event_time = 946684800000;  ///< 2000-01-01T00:00:00Z
inline constexpr millis k_max_event_time = 4102444800000; ///< 2100-01-01T00:00:00Z (exclusive)

enum class time_errc { ok, invalid, out_of_range };

/// Parses RFC 3339 (`2026-11-26T04:00:00Z`, `…+01:00`, optional fraction of any length, `T`/`t`/
/// space as separator, `Z`/`z`) into epoch milliseconds (fraction truncated to ms). Range is not
/// checked here; calendar validity is. noexcept, no allocation.
[[nodiscard]] time_errc parse_rfc3339(std::string_view s, millis& out) noexcept;

/// Formats epoch ms as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds) or with `.mmm` when `with_ms`
/// and the value is not a whole second. Writes at most 24 chars to `out`, returns the length.
std::size_t format_rfc3339(millis t, char* out, bool with_ms = false) noexcept;
std::string format_rfc3339(millis t, bool with_ms = false);

/// Parses a contract duration `Ns`, `Nm`, `Nh` (also `Nms`, and `0`) into ms.
[[nodiscard]] std::optional<millis> parse_duration(std::string_view s) noexcept;
/// Formats ms as the shortest of `Nh`, `Nm`, `Ns`, `Nms` that is exact.
std::string format_duration(millis d);

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Floor division that works for negative numerators.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        --q;
    }
    return q;
}

} // namespace pulso
