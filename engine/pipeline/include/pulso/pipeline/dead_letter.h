#pragma once

#include "pulso/parse/mention_parser.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace pulso {

/// Where a record came from, for its dead-letter record (CONTRACT §5).
struct record_origin {
    std::string_view source = "file"; ///< kafka | file | http
    std::string_view topic;           ///< Kafka topic, or the input file name in replay
    std::int32_t partition = 0;
    std::int64_t offset = 0; ///< Kafka offset, or the 0-based line index in replay
};

inline constexpr std::size_t k_dead_letter_payload_bytes = 4096;

/// Appends one dead-letter record as a JSON line (no newline): reason, field (null when no
/// field applies), source, topic, partition, offset, payload (the first 4 KiB of the record,
/// cut on a UTF-8 boundary, invalid bytes as U+FFFD).
void write_dead_letter(std::string& out, const parse_status& st, const record_origin& origin,
                       std::string_view payload);

} // namespace pulso
