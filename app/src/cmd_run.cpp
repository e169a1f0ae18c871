#include "commands.h"
#include "logging.h"
#include "run_service.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace pulso::app {
namespace {

// Lock-free, hence async-signal-safe to store from a handler.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

std::atomic<bool> g_reload{false};

extern "C" void on_stop_signal(int /*sig*/) {
    g_stop.store(true, std::memory_order_release);
}

extern "C" void on_reload_signal(int /*sig*/) {
    g_reload.store(true, std::memory_order_release);
}

struct run_args {
    std::string config_path;
    unsigned workers = 0;
    std::string listen;
    bool quiet = false;
};

void run_run(const run_args& a) {
    config cfg = load_config_file(a.config_path);
    if (!a.listen.empty()) {
        cfg.http.listen = a.listen;
    }
    setup_logging("pulso", cfg.log.level, cfg.log.format);
    warn_unknown_environment(true);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    struct sigaction hup {};
    hup.sa_handler = on_reload_signal;
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, nullptr);

    run_options ro;
    ro.workers = a.workers;
    ro.config_path = a.config_path;
    ro.reload_requested = &g_reload;
    ro.progress = !a.quiet;
    ro.on_started = [](const run_started& s) {
        spdlog::info("pulso run: http on http://{}/", s.http_address);
    };
    const run_result r = run_service(cfg, ro, g_stop);
    if (r.exit_code != 0) {
        std::fprintf(stderr, "pulso: fatal: %s\n", r.error.c_str());
        std::fflush(stderr);
        std::exit(r.exit_code);
    }
}

} // namespace

void add_run(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "run", "The service: consume mentions from Kafka with N ingest workers and publish "
               "window, trend, alert and dead-letter records to Kafka, exactly once per window "
               "across crashes and rebalances. SIGTERM/SIGINT stop it cleanly.");
    auto a = std::make_shared<run_args>();
    cmd->add_option("--config", a->config_path, "YAML config (CONTRACT §2)")->required();
    cmd->add_option("--workers", a->workers,
                    "Ingest workers (default: ingest.workers; 0 there: one per core)");
    cmd->add_option("--listen", a->listen,
                    "HTTP address host:port, overriding http.listen (port 0: any free port)");
    cmd->add_flag("-q,--quiet", a->quiet, "No progress line on stderr");
    cmd->callback([a] { run_run(*a); });
}

} // namespace pulso::app
