#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pulso {

/// Appends JSON to a caller-owned std::string (reused between records, so no allocation once
/// it has grown). Only what our records need: no pretty printing, keys are trusted literals.
/// @thread any (one writer per thread)
class json_writer {
  public:
    explicit json_writer(std::string& out) noexcept : out_(out) {}

    json_writer& begin_object() { return open('{'); }
    json_writer& end_object() { return close('}'); }
    json_writer& begin_array() { return open('['); }
    json_writer& end_array() { return close(']'); }
    /// Writes `"key":`; the next value follows without a comma.
    json_writer& key(std::string_view k);
    json_writer& value(std::string_view s);
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(std::int64_t v);
    json_writer& value(std::uint64_t v);
    json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
    /// Shortest round-trip form, at most `max_decimals` decimals; NaN/inf written as null.
    json_writer& value(double v, int max_decimals = 6);
    json_writer& value(bool v);
    json_writer& null();
    /// A pre-rendered JSON value, written verbatim.
    json_writer& raw_value(std::string_view json);

    /// Escapes `s` as a JSON string body (no quotes). Invalid UTF-8 becomes U+FFFD, so the
    /// output is always valid JSON whatever the input bytes were.
    static void escape(std::string& out, std::string_view s);

  private:
    void comma() {
        if (need_comma_) {
            out_.push_back(',');
        }
    }
    json_writer& open(char c) {
        comma();
        out_.push_back(c);
        need_comma_ = false;
        return *this;
    }
    json_writer& close(char c) {
        out_.push_back(c);
        need_comma_ = true;
        return *this;
    }

    std::string& out_;
    bool need_comma_ = false;
};

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) noexcept;

} // namespace pulso
