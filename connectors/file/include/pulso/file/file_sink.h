#pragma once

#include "pulso/pipeline/record_sink.h"

#include <array>
#include <cstdio>
#include <string>

namespace pulso {

/// Writes each record kind as NDJSON to its own file (or stdout for "-"), buffered. Kinds
/// without a path are counted and dropped.
/// @thread owner (the publisher / replay thread)
class file_sink final : public record_sink {
  public:
    file_sink() = default;
    ~file_sink() override;
    file_sink(const file_sink&) = delete;
    file_sink& operator=(const file_sink&) = delete;

    /// Opens (truncates) `path` for `kind`. Throws std::runtime_error naming the path.
    void open(record_kind kind, const std::string& path);
    void emit(record_kind kind, std::string_view key, std::string_view json) override;
    /// Flushes and closes; throws std::runtime_error on a write error (disk full, …).
    void close();
    [[nodiscard]] std::uint64_t count(record_kind kind) const noexcept {
        return counts_[static_cast<std::size_t>(kind)];
    }

  private:
    std::array<std::FILE*, 4> files_{};
    std::array<std::string, 4> paths_{};
    std::array<std::uint64_t, 4> counts_{};
};

} // namespace pulso
