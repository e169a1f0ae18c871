#pragma once

#include "pulso/core/mention.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace pulso {

/// Why a record was rejected (CONTRACT §1, a fixed set). `none` means accepted.
enum class reject_reason : std::uint8_t {
    none,
    invalid_json,
    not_an_object,
    missing_field,
    wrong_type,
    invalid_timestamp,
    out_of_range,
    too_large,
    future_timestamp,
};
inline constexpr std::size_t k_reject_reason_count = 9;
inline constexpr std::array<std::string_view, k_reject_reason_count> k_reject_reason_names = {
    "none",          "invalid_json", "not_an_object",
    "missing_field", "wrong_type",   "invalid_timestamp",
    "out_of_range",  "too_large",    "future_timestamp"};

constexpr std::string_view to_string(reject_reason r) noexcept {
    return k_reject_reason_names[static_cast<std::size_t>(r)];
}

/// Outcome of parsing one record. `field` names the offending field in the contract's dotted
/// form (`author.id`, `engagement.likes`, `created_at`), or is empty when no field applies.
/// It points at static storage.
struct parse_status {
    reject_reason reason = reject_reason::none;
    std::string_view field;

    [[nodiscard]] bool ok() const noexcept { return reason == reject_reason::none; }
};

struct parse_options {
    std::size_t max_record_bytes = 1 << 20; ///< ingest.max_record_bytes
    std::size_t max_text_bytes = 65536;     ///< ingest.max_text_bytes
};

/// Parses one mention (CONTRACT §1) with simdjson On-Demand. One parser per thread, reused:
/// after the first records it allocates nothing. The returned mention's strings stay valid
/// until the next parse() and, for a `padded` record, while the record's bytes stay alive and
/// unchanged: a string without escapes is a view of the record itself (of the parser's padded
/// copy when not `padded`), one with escapes is unescaped into the parser's string buffer.
/// @thread owner (one ingest worker)
class mention_parser {
  public:
    explicit mention_parser(parse_options opts = {});
    ~mention_parser();
    mention_parser(const mention_parser&) = delete;
    mention_parser& operator=(const mention_parser&) = delete;

    /// Parses `record`. When `padded` is true the caller guarantees SIMDJSON_PADDING (64)
    /// readable bytes after the record; otherwise it is copied into a reused padded buffer.
    [[nodiscard]] parse_status parse(std::string_view record, mention& out,
                                     bool padded = false) noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace pulso
