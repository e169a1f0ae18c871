#pragma once
// Helpers of the streaming integration tests: child processes (`pulso broker`, `pulso run`),
// configs, producing generated mentions, reading topics back, replaying the same input.

#include "pulso/config/config.h"
#include "pulso/generator/generator.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace pulso::itest {

/// A child process; killed (SIGKILL) and reaped by the destructor if still running.
class child {
  public:
    child() = default;
    /// Starts `args` (argv[0] is a path). With `capture_first_line`, stdout is a pipe and
    /// `first_line()` reads one line from it; stderr goes to `stderr_file` when not empty.
    child(const std::vector<std::string>& args, bool capture_first_line,
          const std::string& stderr_file = "");
    child(child&& o) noexcept;
    child& operator=(child&& o) noexcept;
    ~child();

    /// The first stdout line, waiting up to `timeout`; "" on timeout or EOF.
    std::string first_line(std::chrono::milliseconds timeout);
    void signal(int sig);
    /// Waits for the exit; returns the exit code, 128 + signal, or -1 on timeout.
    /// When the child is gone (here or in the destructor), a sanitizer report in its stderr
    /// file fails the running test: a TSan build's race in a `pulso run` child must not pass
    /// unseen because the child was then killed on purpose.
    int wait(std::chrono::milliseconds timeout);
    [[nodiscard]] bool running();
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  private:
    /// Kills the child if it still runs, reaps it, checks its report, closes the pipe.
    void release() noexcept;
    void check_sanitizer_report();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int status_ = -1;
    std::string stderr_file_;
    bool checked_ = false;
};

/// The `pulso` binary under test.
std::string pulso_bin();
/// The binary that runs `pulso broker`: $PULSO_TEST_BROKER_BIN when set, else pulso_bin().
std::string broker_bin();
/// A fresh temporary directory for one test.
std::string temp_dir(const std::string& what);
/// A group id nobody used.
std::string fresh_group(const std::string& what);

/// Starts `pulso broker --partitions N` (default topics); returns it and its bootstrap.
std::pair<child, std::string> start_broker(int partitions, const std::string& dir);

/// The YAML text of a run config: the generator's brands, short group timeouts, the idle
/// timeout (2 s by default), and `extra` appended verbatim.
std::string config_yaml(const std::string& bootstrap, const std::string& group,
                        const std::string& extra = "", const std::string& idle_timeout = "5s");
/// Writes it to dir/name and returns the path.
std::string write_file(const std::string& dir, const std::string& name, const std::string& text);

/// Generated input, in production order, and the greatest event time of its good records.
struct generated {
    std::vector<std::string> lines;
    std::int64_t max_event = 0;
    std::size_t bad = 0;
};
generated generate(const generator_options& o);

/// Produces `lines` to `topic` keyed by mention id (or the line index when it has none),
/// `per_second` lines a second at most (0: as fast as possible). Flushes; throws on loss.
void produce(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::string>& lines, double per_second, std::size_t from = 0,
             std::size_t to = static_cast<std::size_t>(-1));

/// Every value of `topic` (all partitions, from the start), read with a fresh group.
std::vector<std::string> read_topic(const std::string& bootstrap, const std::string& topic);

/// The committed offsets' metadata watermark of `group` for `topic` (min over partitions;
/// k_no_watermark when a partition has none).
std::int64_t committed_watermark(const std::string& bootstrap, const std::string& group,
                                 const std::string& topic, int partitions);

/// True when no partition of `topic` lost messages to the mock's retention (~5 MiB per
/// partition, counting batch overhead: ~12k generated mentions in small batches).
bool nothing_dropped(const std::string& bootstrap, const std::string& topic, int partitions);

/// The lines of `log` that contain `what` (none when the file is missing).
std::vector<std::string> log_lines_with(const std::string& log, const std::string& what);

/// Waits until `log` has at least `n` lines containing `what`; false on timeout.
bool wait_for_log(const std::string& log, const std::string& what, std::size_t n,
                  std::chrono::milliseconds timeout);

/// Window records of `pulso replay` over `lines` with `cfg` (in process, same engine).
std::vector<std::string> replay_windows(const config& cfg, const std::vector<std::string>& lines);
/// Alert records (`alerts`) or trend records of `pulso replay` over `lines` with `cfg`.
std::vector<std::string> replay_detections(const config& cfg, const std::vector<std::string>& lines,
                                           bool alerts);

/// Compares window record sets; on a difference returns a short description (counts and the
/// first few keys missing or extra), else "".
std::string diff_windows(const std::set<std::string>& got, const std::set<std::string>& expected);

/// "brand|window_start" of a window record.
std::string window_key(const std::string& json);
/// The window_end of a window record, epoch ms.
std::int64_t window_end(const std::string& json);
/// A dead letter's input coordinates, `"partition":P"offset":O` ("" when it names none).
std::string dead_letter_coords(const std::string& json);

} // namespace pulso::itest
