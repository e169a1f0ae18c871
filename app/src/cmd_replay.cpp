#include "commands.h"
#include "detector_store.h"
#include "logging.h"
#include "pulso/file/file_sink.h"
#include "pulso/file/line_reader.h"
#include "pulso/pipeline/replay_engine.h"

#include <chrono>
#include <cstdio>

namespace pulso::app {
namespace {

struct replay_args {
    std::string config_path;
    std::string input;
    std::string windows_out;
    std::string trends_out;
    std::string alerts_out;
    std::string dlq_out;
    bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run_replay(const replay_args& a) {
    const config cfg = load_or_default(a.config_path);
    // Logs go to stderr: stdout may be the window records (`--windows-out -`).
    setup_logging("pulso", a.quiet ? std::string("warn") : cfg.log.level, cfg.log.format);
    warn_unknown_environment(true);
    line_reader reader(a.input, static_cast<std::size_t>(cfg.ingest.max_record_bytes));
    if (const std::string_view packed = reader.compression(); !packed.empty()) {
        // Not NDJSON: every "line" would be a dead letter. Say what to do instead.
        const std::string_view cat = packed == "gzip"    ? "zcat"
                                     : packed == "zstd"  ? "zstdcat"
                                     : packed == "bzip2" ? "bzcat"
                                     : packed == "xz"    ? "xzcat"
                                                         : "unzip -p";
        throw usage_error((a.input == "-" ? std::string("stdin") : a.input) + ": the input is " +
                          std::string(packed) +
                          "-compressed, not NDJSON; decompress it into pulso, e.g. `" +
                          std::string(cat) + " " + (a.input == "-" ? "FILE" : a.input) +
                          " | pulso replay --input - …`");
    }
    file_sink sink;
    sink.open(record_kind::window, a.windows_out.empty() ? "-" : a.windows_out);
    if (!a.dlq_out.empty()) {
        sink.open(record_kind::dead_letter, a.dlq_out);
    }
    if (!a.trends_out.empty()) {
        sink.open(record_kind::trend, a.trends_out);
    }
    if (!a.alerts_out.empty()) {
        sink.open(record_kind::alert, a.alerts_out);
    }
    replay_engine engine(cfg, sink, a.input);
    detector_store store(cfg.detect.state_file, engine.detection());
    store.restore();

    const auto t0 = std::chrono::steady_clock::now();
    auto last = t0;
    input_line line;
    std::uint64_t n = 0;
    while (reader.next(line)) {
        if (line.oversized()) {
            engine.feed_oversized(line.bytes, line.index);
        } else {
            engine.feed(line.bytes, line.index, true);
        }
        if ((++n & 0xFFFF) == 0 && !a.quiet) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last >= std::chrono::seconds(2)) {
                last = now;
                const auto& s = engine.stats();
                const double secs = seconds_since(t0);
                std::fprintf(stderr,
                             "replay: %.1f M records, %.2f M/s, %.0f MiB read, %llu rejected, "
                             "%llu windows published\n",
                             static_cast<double>(n) / 1e6, static_cast<double>(n) / secs / 1e6,
                             static_cast<double>(reader.bytes_read()) / 1048576.0,
                             static_cast<unsigned long long>(s.rejected_total()),
                             static_cast<unsigned long long>(engine.windows_published()));
            }
        }
    }
    engine.finish();
    store.save(0, true);
    sink.close();
    if (!a.quiet) {
        const auto& s = engine.stats();
        const double secs = seconds_since(t0);
        std::fprintf(stderr,
                     "replay: done in %.2f s (%.2f M records/s): %llu records, %llu accepted, "
                     "%llu rejected, %llu duplicates, %llu late; %llu windows, %llu window "
                     "records\n",
                     secs, secs > 0 ? static_cast<double>(s.ingested) / secs / 1e6 : 0.0,
                     static_cast<unsigned long long>(s.ingested),
                     static_cast<unsigned long long>(s.accepted),
                     static_cast<unsigned long long>(s.rejected_total()),
                     static_cast<unsigned long long>(s.duplicate),
                     static_cast<unsigned long long>(s.late),
                     static_cast<unsigned long long>(engine.windows_published()),
                     static_cast<unsigned long long>(engine.records_published()));
        for (std::size_t r = 1; r < k_reject_reason_count; ++r) {
            if (s.rejected[r] != 0) {
                std::fprintf(stderr, "replay:   rejected %s: %llu\n",
                             std::string(k_reject_reason_names[r]).c_str(),
                             static_cast<unsigned long long>(s.rejected[r]));
            }
        }
        if (s.rejected_total() != 0 && a.dlq_out.empty()) {
            std::fprintf(stderr, "replay: rejected records were not kept: add --dlq-out FILE\n");
        }
    }
}

} // namespace

void add_replay(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "replay", "Run the engine over NDJSON mentions (one partition, event time) and write "
                  "window, trend, alert and dead-letter records: backtesting and batch use.");
    auto a = std::make_shared<replay_args>();
    cmd->add_option("--config", a->config_path,
                    "YAML config (CONTRACT §2); default: built-in defaults with the demo brands");
    cmd->add_option("--input", a->input, "NDJSON mentions, one per line; - for stdin")->required();
    cmd->add_option("--windows-out", a->windows_out, "Window records (default: stdout)");
    cmd->add_option("--trends-out", a->trends_out, "Trend records");
    cmd->add_option("--alerts-out", a->alerts_out, "Alert records");
    cmd->add_option("--dlq-out", a->dlq_out, "Dead-letter records of rejected input");
    cmd->add_flag("-q,--quiet", a->quiet, "No progress or summary on stderr");
    cmd->callback([a] { run_replay(*a); });
}

} // namespace pulso::app
