#pragma once

#include "pulso/core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulso::http {

/// `host:port` of `http.listen`. `host` may be an IPv4 literal, `[v6]` or a name (`localhost`);
/// port 0 asks for an ephemeral port.
struct listen_address {
    std::string host;
    std::uint16_t port = 0;
};

/// Parses `host:port`, `[::1]:port` or `:port` (= 127.0.0.1). nullopt when malformed.
[[nodiscard]] std::optional<listen_address> parse_listen_address(std::string_view s);

/// Splits a request target into its path and its decoded query parameters (`+` and `%XX`
/// decoded; a malformed escape is kept verbatim).
void split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

/// A time query parameter: RFC 3339 or integer epoch milliseconds. nullopt when neither.
[[nodiscard]] std::optional<millis> parse_time_param(std::string_view s) noexcept;

/// Compares two secrets in time that depends only on their lengths, not their contents.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// Extracts the token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
[[nodiscard]] std::optional<std::string_view> bearer_token(std::string_view header) noexcept;

} // namespace pulso::http
