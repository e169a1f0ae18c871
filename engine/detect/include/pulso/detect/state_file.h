#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pulso {

/// The detector's state on local disk (DESIGN "Delivery semantics": baselines survive a
/// restart). Plain files, written atomically: the bytes go to `path.tmp`, are fsync()ed and
/// renamed over `path`, then the directory is fsync()ed, so a crash leaves either the old or
/// the new snapshot, never a torn one.
/// @thread any (no shared state; one writer per path)

/// Writes `bytes` to `path` atomically. Returns "" on success, else one line naming the path
/// and the system error.
[[nodiscard]] std::string write_state_file(const std::string& path, std::string_view bytes);

/// "" when the directory that holds `path` exists and can be written (where the snapshot
/// and its temporary file go), else one line naming the directory and the system error.
[[nodiscard]] std::string check_state_directory(const std::string& path);

/// Reads `path`. nullopt with `error` empty when there is no such file (a first start);
/// nullopt with `error` set (naming the path) when it exists but cannot be read.
[[nodiscard]] std::optional<std::string> read_state_file(const std::string& path,
                                                         std::string& error);

} // namespace pulso
