#pragma once

#include <string>

namespace pulso::app {

/// Sets up the one logger (spdlog) on stderr: JSON lines (`{"ts","level","logger","msg"}`,
/// one object per line, the message JSON-escaped) when `format` is `json`, or `auto` and stderr
/// is not a terminal (service mode: journald, Kubernetes); readable coloured lines otherwise.
/// `level`: trace, debug, info, warn, error. Call once, before threads start.
void setup_logging(const std::string& name, const std::string& level, const std::string& format);

} // namespace pulso::app
