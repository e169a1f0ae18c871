#include "detector_store.h"

#include "pulso/detect/detector.h"
#include "pulso/detect/state_file.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace pulso::app {

void detector_store::restore() {
    if (path_.empty()) {
        return;
    }
    // Fail at start-up, not at the first save a minute later.
    if (const std::string error = check_state_directory(path_); !error.empty()) {
        throw std::runtime_error("detect.state_file: " + error);
    }
    std::string error;
    const std::optional<std::string> blob = read_state_file(path_, error);
    if (!blob) {
        if (error.empty()) {
            spdlog::info("detector state: no file {} yet; baselines start empty", path_);
        } else {
            spdlog::error("detector state: {}; baselines start empty", error);
        }
        return;
    }
    std::string why;
    if (!det_.restore(*blob, &why)) {
        spdlog::error("detector state: {} not restored ({}); baselines start empty", path_, why);
        return;
    }
    spdlog::info("detector state: restored from {} ({} bytes, {} windows of history)", path_,
                 blob->size(), det_.windows());
}

void detector_store::save(millis through, bool force) {
    if (path_.empty() || (!force && through <= saved_through_)) {
        return;
    }
    // Tried once per published window: a failing disk logs once a window, not once a loop.
    saved_through_ = std::max(saved_through_, through);
    buf_.clear();
    det_.save(buf_);
    const std::string error = write_state_file(path_, buf_);
    if (!error.empty()) {
        spdlog::error("detector state: not saved: {} (the engine goes on; a restart would "
                      "restore an older state)",
                      error);
    }
}

} // namespace pulso::app
