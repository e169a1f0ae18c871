#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// One line of an NDJSON input.
struct input_line {
    std::string_view bytes; ///< without the newline; followed by ≥ k_line_padding readable bytes
    std::int64_t index = 0; ///< 0-based line number
    std::size_t full_size = 0; ///< the line's real length (> bytes.size() when oversized)
    [[nodiscard]] bool oversized() const noexcept { return full_size > bytes.size(); }
};

inline constexpr std::size_t k_line_padding = 64; ///< simdjson's SIMDJSON_PADDING

/// Reads NDJSON from a file or stdin in large chunks into a padded buffer, so the parser can
/// read lines in place. A line longer than `max_line` is not kept whole: only its first
/// `keep_oversized` bytes are returned (for the dead-letter payload) and the rest skipped.
/// @thread owner
class line_reader {
  public:
    /// `path` "-" is stdin. Throws std::runtime_error naming the path when it cannot open or
    /// read it (a directory opens but cannot be read).
    line_reader(const std::string& path, std::size_t max_line, std::size_t keep_oversized = 4096);
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// The next line, or false at the end of input. Views are valid until the next call.
    bool next(input_line& line);
    /// Before the first next(): the compressed format the input starts with ("gzip", "zstd",
    /// "bzip2", "xz", "zip"), or empty. Reads the first chunk (next() then starts from it).
    [[nodiscard]] std::string_view compression();
    [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }

  private:
    bool fill();

    std::string path_; ///< for messages; "-" is stdin
    std::FILE* f_ = nullptr;
    bool owns_ = false;
    bool eof_ = false;
    std::size_t max_line_;
    std::size_t keep_;
    std::vector<char> buf_;
    std::size_t begin_ = 0; ///< first unread byte
    std::size_t end_ = 0;   ///< end of valid data
    std::int64_t index_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::string oversized_;
};

} // namespace pulso
