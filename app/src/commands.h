#pragma once

#include "pulso/config/config.h"

#include <CLI/CLI.hpp>

#include <string>

namespace pulso::app {

/// Exit codes (CONTRACT §6).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_runtime = 1;
inline constexpr int k_exit_usage = 2;

/// A usage error found after CLI11 parsing (bad combination of flags): exit 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The config of `--config FILE`, or the built-in defaults with the demo brands.
config load_or_default(const std::string& path);
/// Warns about `PULSO_*` environment variables that override nothing (a misspelt key is
/// otherwise silently ignored): through the log when `logged`, else on stderr.
void warn_unknown_environment(bool logged);

void add_replay(CLI::App& app);
void add_check_config(CLI::App& app);
void add_generate(CLI::App& app);
void add_settings(CLI::App& app);
void add_run(CLI::App& app);
void add_broker(CLI::App& app);
void add_demo(CLI::App& app);

} // namespace pulso::app
