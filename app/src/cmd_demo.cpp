#include "commands.h"
#include "pulso/generator/generator.h"
#include "pulso/kafka/embedded_broker.h"
#include "pulso/kafka/kafka_producer.h"
#include "run_service.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pulso::app {
namespace {

using namespace std::chrono_literals;

// Lock-free, hence async-signal-safe to store from a handler.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_demo_signal(int /*sig*/) {
    g_stop.store(true, std::memory_order_release);
}

constexpr millis k_minute_ms = 60'000;

struct demo_args {
    std::string listen = "127.0.0.1:8080";
    double rate = 5.0;
    bool no_open = false;
    // Hidden (tests): how far in the past the generator's script starts. The default, 40,
    // puts the acme crisis (script minute 41) 1-2 minutes ahead; 44 makes it already under
    // way in the backfill, so its alert fires within seconds of start.
    int head_start = 40;
    unsigned workers = 0;
    std::uint64_t seed = 1;
};

millis wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// "HH:MM:SS" (UTC) of an epoch-ms time.
std::string hms(millis t) {
    const std::string s = format_rfc3339(t); // 2026-11-26T04:00:00Z
    return s.substr(11, 8) + " UTC";
}

/// When a script minute happens, relative to now, in words.
std::string when(millis start, int minute, millis now) {
    const millis at = start + minute * k_minute_ms;
    if (at <= now) {
        return "already under way (since " + hms(at) + ")";
    }
    return "in " + std::to_string((at - now + 999) / 1000) + " s (" + hms(at) + ")";
}

/// Plays the generator's `demo` script into the input topic: everything up to the wall clock
/// as fast as the producer takes it (the backfill that gives the detector its baselines),
/// then each mention when the wall clock reaches its event time.
/// @thread the demo's producer thread
void play_script(const std::string& bootstrap, const std::string& topic, const generator_options& o,
                 const std::atomic<bool>& done) {
    const auto stopping = [&done] {
        // acquire: pairs with the signal handler's and the main thread's release stores.
        return g_stop.load(std::memory_order_acquire) || done.load(std::memory_order_acquire);
    };
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap;
    pc.client_id = "pulso-demo-generator";
    pc.properties = {{"linger.ms", "20"}};
    kafka::kafka_producer producer(pc);
    mention_generator gen(o);
    std::string line;
    std::string key;
    millis t = 0;
    std::uint64_t produced = 0;
    std::uint64_t refused = 0;
    bool live = false;
    const auto t0 = std::chrono::steady_clock::now();
    while (!stopping()) {
        line.clear();
        if (!gen.next(line, t)) {
            break;
        }
        for (millis now = wall_ms(); t > now && !stopping(); now = wall_ms()) {
            if (!live) {
                live = true;
                (void)producer.flush(5000);
                std::fprintf(
                    stderr,
                    "pulso demo: backfill of %llu mentions (%d minutes of event time) "
                    "produced in %.1f s; now live at %.1f mentions/s\n",
                    static_cast<unsigned long long>(produced),
                    static_cast<int>((wall_ms() - o.start) / k_minute_ms),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                    o.rate);
                continue;
            }
            (void)producer.poll(static_cast<int>(std::min<millis>(t - now, 100)));
        }
        if (stopping()) {
            break;
        }
        mention_key(line, key);
        for (;;) {
            const kafka::produce_result r = producer.produce(topic, key, line);
            if (r == kafka::produce_result::ok) {
                ++produced;
                break;
            }
            if (r == kafka::produce_result::failed || stopping()) {
                ++refused;
                break;
            }
            (void)producer.poll(10); // queue full: let deliveries drain
        }
        if ((produced & 1023U) == 0) {
            (void)producer.poll(0);
        }
        if (producer.has_fatal_error()) {
            std::fprintf(stderr, "pulso demo: generator stopped: %s\n",
                         producer.fatal_error().c_str());
            return;
        }
    }
    (void)producer.flush(2000);
    if (refused > 0) {
        std::fprintf(stderr, "pulso demo: %llu mentions could not be produced\n",
                     static_cast<unsigned long long>(refused));
    }
}

/// Opens the page in the desktop's browser when there is a desktop (xdg-open). Returns the
/// child's pid, or -1.
pid_t open_browser(const std::string& url) {
    if (std::getenv("DISPLAY") == nullptr && std::getenv("WAYLAND_DISPLAY") == nullptr) {
        return -1;
    }
    if (::access("/usr/bin/xdg-open", X_OK) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::string prog = "/usr/bin/xdg-open";
    std::string arg = url;
    char* argv[] = {prog.data(), arg.data(), nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, environ) != 0) {
        pid = -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

void print_banner(const run_started& s, const std::string& bootstrap, const config& cfg,
                  const generator_options& o) {
    const std::string base = "http://" + s.http_address;
    const millis now = wall_ms();
    std::printf(
        "pulso demo: an embedded Kafka, the generator's demo script and the full service, in "
        "one process\n"
        "\n"
        "  live page   %s/\n"
        "  metrics     %s/metrics\n"
        "  alerts      %s/api/v1/alerts?status=all\n"
        "  trends      %s/api/v1/trends\n"
        "  kafka       %s   (try: kcat -b %s -t %s -C)\n"
        "\n"
        "What to look at (the script started %d minutes in the past, so every brand already "
        "has a baseline):\n"
        "  - now: steady chatter about six brands (acme, cafe_andino, telco_sur, banco_luz, "
        "viva_air, mercado_rio) at %.1f mentions/s; the charts fill with the backfill.\n"
        "  - %s: acme's refund crisis begins (10x negative mentions, #acmefail); its "
        "negative_spike alert fires once that minute's window closes, about 70 s later.\n"
        "  - %s: #apagon (a blackout) starts trending and ranks first in /api/v1/trends.\n"
        "  - %s: a 2,000,000-follower author complains about telco_sur: an influencer alert.\n"
        "Progress goes to stderr; stop with Ctrl-C.\n\n",
        base.c_str(), base.c_str(), base.c_str(), base.c_str(), bootstrap.c_str(),
        bootstrap.c_str(), cfg.sinks.alerts_topic.c_str(),
        static_cast<int>((now - o.start) / k_minute_ms), o.rate, when(o.start, 41, now).c_str(),
        when(o.start, 42, now).c_str(), when(o.start, 44, now).c_str());
    std::fflush(stdout);
}

int run_demo(const demo_args& a) {
    if (!(a.rate > 0.0 && a.rate <= 10'000.0)) {
        throw usage_error("--rate must be in (0, 10000] mentions per second");
    }
    if (a.head_start < 0 || a.head_start > 600) {
        throw usage_error("--head-start must be in [0, 600] minutes");
    }
    // stdout carries the banner; logs and progress go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("pulso"));
    spdlog::set_level(spdlog::level::info);
    struct sigaction sa {};
    sa.sa_handler = on_demo_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    config cfg = load_or_default("");
    warn_unknown_environment(true);
    // The mock cluster's host handle warns that it has no bootstrap servers: it needs none.
    spdlog::set_level(spdlog::level::warn);
    kafka::embedded_broker broker(1);
    spdlog::set_level(spdlog::level::info);
    for (const std::string& t : {cfg.kafka.topic, cfg.sinks.windows_topic, cfg.sinks.trends_topic,
                                 cfg.sinks.alerts_topic, cfg.sinks.dlq_topic}) {
        broker.create_topic(t, 4);
    }
    cfg.kafka.brokers = broker.bootstrap_servers();
    cfg.kafka.group = "pulso-demo-" + std::to_string(::getpid()) + "-" + std::to_string(wall_ms());
    // A fresh group on a private cluster: short timeouts make joining and leaving quick.
    cfg.kafka.properties["session.timeout.ms"] = "6000";
    cfg.kafka.properties["heartbeat.interval.ms"] = "500";
    cfg.kafka.properties["fetch.wait.max.ms"] = "50";
    cfg.http.listen = a.listen;

    generator_options o;
    o.scenario = "demo";
    o.rate = a.rate;
    o.seed = a.seed;
    o.start = (wall_ms() / k_minute_ms - a.head_start) * k_minute_ms;
    o.duration = a.head_start * k_minute_ms + 24 * 60 * k_minute_ms;

    std::atomic<bool> done{false};
    std::thread producer([&] {
        try {
            play_script(cfg.kafka.brokers, cfg.kafka.topic, o, done);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "pulso demo: generator failed: %s\n", e.what());
        }
    });
    struct joiner {
        std::atomic<bool>& done;
        std::thread& t;
        ~joiner() {
            // release: pairs with the acquire in play_script's stopping().
            done.store(true, std::memory_order_release);
            t.join();
        }
    } join_producer{done, producer};

    pid_t browser = -1;
    run_options ro;
    ro.workers = a.workers;
    ro.progress_name = "pulso demo";
    ro.on_started = [&](const run_started& s) {
        print_banner(s, cfg.kafka.brokers, cfg, o);
        if (!a.no_open) {
            browser = open_browser("http://" + s.http_address + "/");
        }
    };
    const run_result r = run_service(cfg, ro, g_stop);
    if (browser > 0) {
        (void)::waitpid(browser, nullptr, WNOHANG);
    }
    if (r.exit_code != 0) {
        std::fprintf(stderr, "pulso: fatal: %s\n", r.error.c_str());
        std::fflush(stderr);
    }
    return r.exit_code;
}

} // namespace

void add_demo(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "demo", "The main job on an embedded default, in one process: an in-process Kafka "
                "(librdkafka's mock cluster, the real protocol on loopback), the generator "
                "playing a script with a reputation crisis and a trending hashtag, the full "
                "service and its live page. Prints the URLs and what to look at; Ctrl-C stops.");
    auto a = std::make_shared<demo_args>();
    cmd->add_option("--listen", a->listen, "HTTP address host:port (default 127.0.0.1:8080)");
    cmd->add_option("--rate", a->rate, "Background mentions per second (default 5)");
    cmd->add_flag("--no-open", a->no_open, "Do not open the page in a browser");
    cmd->add_option("--head-start", a->head_start,
                    "Minutes of the script already in the past at start (default 40)")
        ->group("");
    cmd->add_option("--workers", a->workers, "Ingest workers (default: one per core)")->group("");
    cmd->add_option("--seed", a->seed, "Generator seed (default 1)")->group("");
    cmd->callback([a] {
        // The generator thread and the broker are gone once run_demo returns.
        const int rc = run_demo(*a);
        if (rc != 0) {
            std::exit(rc);
        }
    });
}

} // namespace pulso::app
