#pragma once

#include "pulso/core/time.h"

#include <limits>
#include <string>
#include <utility>

namespace pulso {
class detector;
}

namespace pulso::app {

/// `detect.state_file`: the detector's snapshot on local disk. restore() at start-up; the
/// run loop calls save() just before the published watermark advances (so the file is never
/// older than what the workers may commit behind), and at exit. After a crash, windows that
/// the engine publishes again (published, not yet committed) are at or before the
/// snapshot's last window, so the detector skips them: their alerts and trends went out
/// before the crash and are not repeated. A failed save is logged and the engine goes on.
/// @thread publisher (restore before the publisher starts)
class detector_store {
  public:
    /// `path` empty: a no-op store.
    detector_store(std::string path, detector& det) : path_(std::move(path)), det_(det) {}

    /// Loads the file if there is one. A missing file is a first start; an unreadable or
    /// invalid one (other windows, other version, corrupt) is logged and ignored: the
    /// detector starts empty, as without the setting. Throws std::runtime_error (naming the
    /// directory) when the file's directory cannot be written: saves would all fail.
    void restore();
    /// Saves when `through` is newer than the last save (or always with `force`).
    void save(millis through, bool force = false);

  private:
    std::string path_;
    detector& det_;
    std::string buf_;
    millis saved_through_ = std::numeric_limits<millis>::min();
};

} // namespace pulso::app
