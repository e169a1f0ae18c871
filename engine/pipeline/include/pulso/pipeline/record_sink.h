#pragma once

#include <cstdint>
#include <string_view>

namespace pulso {

enum class record_kind : std::uint8_t { window, trend, alert, dead_letter };

/// Where finished records go: files in replay, Kafka topics, the HTTP history in run mode.
/// `key` is the record's Kafka key (the brand, or the scope of a trend). `json` is one
/// record without a newline, valid only during the call.
/// @thread publisher (window, trend, alert); the producing worker for dead_letter
class record_sink {
  public:
    virtual ~record_sink() = default;
    virtual void emit(record_kind kind, std::string_view key, std::string_view json) = 0;
};

} // namespace pulso
