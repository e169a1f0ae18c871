// End to end on this machine, in one run: preloads N generated mentions into `pulso broker`
// (a separate process, P partitions, each under the mock's ~5 MiB retention), then measures
//   (1) a plain librdkafka consumer that touches every byte (the Kafka ceiling here),
//   (2) the same consumer plus pulso's parser (simdjson On-Demand, CONTRACT §1 checks),
//   (3) `pulso run` (a child process) from its start to every final window published, with
//       1 and 2 workers; also from its first partition assignment (the mock's group join
//       takes ~3 s, which dominates small N).
// Prints mentions/s, CPU seconds per million mentions and the ratio (3)/(1).
//
//   e2e_bench [--messages N] [--partitions P] [--runs R]
#include "count_options.h"
#include "pulso/config/config.h"
#include "pulso/generator/generator.h"
#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_producer.h"
#include "pulso/parse/mention_parser.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace pulso;

struct options {
    std::int64_t messages = 640000;
    int partitions = 64;
    int runs = 1;
};

double cpu_self() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double cpu_children() {
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// Starts `args` with stdout on `out_fd` (when ≥ 0) and stderr in `err_file`. The child dies
/// with this process (PR_SET_PDEATHSIG; spawn from the main thread only): a harness killed or
/// crashed mid-run must not leave a broker or a `pulso run` loading the machine.
pid_t spawn(std::vector<std::string> args, int out_fd, const std::string& err_file) {
    // Everything the child needs is prepared before fork(): after it, in a process with
    // librdkafka's threads, the child calls only async-signal-safe functions until exec.
    std::vector<char*> argv;
    for (std::string& s : args) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        std::exit(1);
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        if (out_fd >= 0) {
            dup2(out_fd, STDOUT_FILENO);
        }
        const int fd = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execve(argv[0], argv.data(), environ);
        static constexpr char k_msg[] = "e2e_bench: exec failed (is pulso built?)\n";
        (void)!write(STDERR_FILENO, k_msg, sizeof k_msg - 1);
        _exit(127);
    }
    return pid;
}

std::string key_of(const std::string& line, std::size_t i) {
    const std::size_t at = line.find(R"("id":")");
    if (at != std::string::npos) {
        const std::size_t end = line.find('"', at + 6);
        return line.substr(at + 6, end - at - 6);
    }
    std::string k = "l"; // piecewise: GCC 12's -Wrestrict misfires on "l" + std::string
    k += std::to_string(i);
    return k;
}

class null_listener final : public kafka::rebalance_listener {
  public:
    void on_assigned(std::span<const kafka::assigned_partition>) override {}
    std::vector<kafka::partition_offset> on_revoked(std::span<const std::int32_t>, bool) override {
        return {};
    }
};

struct figure {
    double rate = 0;
    double cpu_per_million = 0;
};

figure consume_once(const std::string& bootstrap, std::int64_t n, bool parse, int run) {
    kafka::consumer_config cc;
    cc.bootstrap_servers = bootstrap;
    cc.group_id = "e2e-";
    cc.group_id +=
        std::to_string(getpid()) + "-" + std::to_string(run) + (parse ? "-parse" : "-bytes");
    cc.max_batch = 1024;
    cc.properties = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    null_listener l;
    kafka::kafka_consumer consumer(cc, &l);
    consumer.subscribe("mentions");
    mention_parser parser(parse_options{});
    mention m;
    std::int64_t count = 0;
    std::uint64_t sink = 0;
    double cpu0 = 0;
    clock_type::time_point t0;
    auto on = [&](const kafka::kafka_record& r) {
        if (count++ == 0) {
            t0 = clock_type::now();
            cpu0 = cpu_self();
        }
        if (parse) {
            sink += parser.parse(r.value, m, false).ok() ? 1 : 0;
        } else {
            for (const char c : r.value) {
                sink += static_cast<unsigned char>(c);
            }
        }
    };
    const auto deadline = clock_type::now() + 10min;
    while (count < n && clock_type::now() < deadline) {
        consumer.poll(100, on);
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double cpu = cpu_self() - cpu0;
    (void)consumer.close(5s);
    if (count < n || sink == 0) {
        std::fprintf(stderr, "consume: %lld of %lld\n", static_cast<long long>(count),
                     static_cast<long long>(n));
        std::exit(1);
    }
    return {static_cast<double>(n) / secs, cpu / static_cast<double>(n) * 1e6};
}

/// Counts the records arriving on a topic from its current end, with one fetch loop (a
/// consumer with a manual assignment, no group): watching for the windows this way costs the
/// broker one long-polled Fetch at a time, where asking every partition's high watermark every
/// 20 ms was 3,200 ListOffsets a second on the broker pulso is consuming from.
class arrival_counter {
  public:
    arrival_counter(const std::string& bootstrap, const std::string& topic, int partitions,
                    rd_kafka_t* probe) {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "group.id", "e2e-arrivals", err, sizeof err);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
        rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        if (rk_ == nullptr) {
            std::fprintf(stderr, "arrival counter: %s\n", err);
            std::exit(1);
        }
        rd_kafka_poll_set_consumer(rk_);
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
        for (int p = 0; p < partitions; ++p) {
            std::int64_t lo = 0;
            std::int64_t hi = 0;
            (void)rd_kafka_query_watermark_offsets(probe, topic.c_str(), p, &lo, &hi, 5000);
            rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = hi;
        }
        rd_kafka_assign(rk_, list);
        rd_kafka_topic_partition_list_destroy(list);
    }
    ~arrival_counter() {
        rd_kafka_consumer_close(rk_);
        rd_kafka_destroy(rk_);
    }
    arrival_counter(const arrival_counter&) = delete;
    arrival_counter& operator=(const arrival_counter&) = delete;

    /// Records arrived so far; waits up to `timeout_ms` for the next ones.
    std::int64_t poll(int timeout_ms) {
        while (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms)) {
            count_ += m->err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1 : 0;
            rd_kafka_message_destroy(m);
            timeout_ms = 0;
        }
        return count_;
    }

  private:
    rd_kafka_t* rk_ = nullptr;
    std::int64_t count_ = 0;
};

/// Milliseconds since the epoch of the first "assigned" log line of a `pulso run` log: a JSON
/// line (`"ts":"2026-11-26T09:59:18.515Z"`, UTC; the log is a file, not a terminal) or a
/// console line (`[2026-11-26 09:59:18.515]`, local time).
std::int64_t first_assignment_ms(const std::string& log) {
    std::ifstream f(log);
    std::string line;
    while (std::getline(f, line)) {
        if (line.find("assigned") == std::string::npos) {
            continue;
        }
        std::tm tm{};
        int ms = 0;
        const std::size_t ts = line.find("\"ts\":\"");
        if (ts != std::string::npos &&
            std::sscanf(line.c_str() + ts + 6, "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) == 7) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
        }
        if (line.size() > 25 && line[0] == '[' &&
            std::sscanf(line.c_str(), "[%d-%d-%d %d:%d:%d.%d]", &tm.tm_year, &tm.tm_mon,
                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) == 7) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            tm.tm_isdst = -1;
            return static_cast<std::int64_t>(std::mktime(&tm)) * 1000 + ms;
        }
    }
    return -1;
}

/// True when the run's log shows its group rebalancing while it consumed: an assignment lost,
/// or more assignments than workers. The embedded broker's group emulation sometimes lets only
/// the first of two consumers that join together complete its join, and the group then
/// settles a session timeout later; such a run measures that wait, not pulso.
bool rebalanced_mid_run(const std::string& log, int workers) {
    std::ifstream f(log);
    std::string line;
    int assigned = 0;
    while (std::getline(f, line)) {
        if (line.find(": lost ") != std::string::npos) {
            return true;
        }
        assigned += line.find(": assigned ") != std::string::npos ? 1 : 0;
    }
    return assigned > workers;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct run_figure {
    double rate = 0;          ///< from process start
    double rate_assigned = 0; ///< from the first assignment
    double cpu_per_million = 0;
    bool rebalanced = false; ///< rebalanced_mid_run()
};

run_figure pulso_once(const std::string& bootstrap, std::int64_t n, int partitions,
                      std::int64_t expected_windows, int workers, int run, rd_kafka_t* probe) {
    std::string dir = "/tmp/pulso-e2e-";
    dir += std::to_string(getpid());
    const std::string cfg = dir + "/run.yaml";
    {
        std::ofstream f(cfg);
        f << default_brands_yaml() << "\nwatermark: {idle_timeout: 1s}\n"
          << "kafka:\n  brokers: \"" << bootstrap << "\"\n  group: e2e-run-" << getpid() << "-"
          << run << "-" << workers
          << "\n  \"session.timeout.ms\": 6000\n  \"heartbeat.interval.ms\": 500\n"
          << "log: {level: info}\n";
    }
    const std::string log =
        dir + "/run-" + std::to_string(run) + "-" + std::to_string(workers) + ".log";
    arrival_counter windows(bootstrap, "pulso.windows", partitions, probe);
    const double cpu0 = cpu_children();
    const std::int64_t start_ms = now_ms();
    const auto t0 = clock_type::now();
    const pid_t pid = spawn(
        {PULSO_BIN, "run", "--config", cfg, "--workers", std::to_string(workers), "-q"}, -1, log);
    const auto deadline = t0 + 10min;
    while (windows.poll(20) < expected_windows) {
        if (clock_type::now() > deadline) {
            std::fprintf(stderr, "pulso run did not publish every window (see %s)\n", log.c_str());
            kill(pid, SIGKILL);
            std::exit(1);
        }
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    const std::int64_t end_ms = now_ms();
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    const double cpu = cpu_children() - cpu0;
    const std::int64_t assigned = first_assignment_ms(log);
    run_figure r;
    r.rate = static_cast<double>(n) / secs;
    r.rate_assigned = assigned > start_ms
                          ? static_cast<double>(n) / (static_cast<double>(end_ms - assigned) / 1e3)
                          : 0.0;
    r.cpu_per_million = cpu / static_cast<double>(n) * 1e6;
    r.rebalanced = rebalanced_mid_run(log, workers);
    (void)start_ms;
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    bench::parse_count_options(
        argc, argv,
        {{"--messages", &opt.messages},
         {"--partitions", &opt.partitions, 10'000},
         {"--runs", &opt.runs, 1'000}},
        "usage: e2e_bench [--messages N] [--partitions P] [--runs R]\n"
        "Preloads N generated mentions (default 640000) into `pulso broker` with P partitions\n"
        "(default 64), then measures R times (default 1) a bare consumer, the consumer plus\n"
        "pulso's parser, and `pulso run` with 1 and 2 workers; prints rates, CPU per million\n"
        "mentions and medians. See bench/e2e/README.md.\n");

    spdlog::set_default_logger(spdlog::stderr_color_mt("e2e"));
    spdlog::set_level(spdlog::level::warn);
    std::string dir = "/tmp/pulso-e2e-";
    dir += std::to_string(getpid());
    std::system(("mkdir -p " + dir).c_str());
    int fds[2];
    if (pipe(fds) != 0) {
        return 1;
    }
    const pid_t broker =
        spawn({PULSO_BIN, "broker", "--partitions", std::to_string(opt.partitions)}, fds[1],
              dir + "/broker.log");
    close(fds[1]);
    std::string bootstrap;
    char c = 0;
    while (read(fds[0], &c, 1) == 1 && c != '\n') {
        bootstrap.push_back(c);
    }
    if (bootstrap.empty()) {
        std::fprintf(stderr, "no bootstrap from pulso broker\n");
        return 1;
    }

    // The input: generated mentions (mixed es/en/pt, brands, hashtags) spread over 5 minutes
    // of event time, so windows close all along the stream.
    generator_options go;
    go.duration = 300'000;
    go.rate = static_cast<double>(opt.messages) / 300.0;
    go.seed = 7;
    mention_generator gen(go);
    std::vector<std::string> lines;
    std::string line;
    millis t = 0;
    millis max_t = 0;
    while (true) {
        line.clear();
        if (!gen.next(line, t)) {
            break;
        }
        max_t = std::max(max_t, t);
        lines.push_back(line);
    }
    const auto n = static_cast<std::int64_t>(lines.size());
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap;
    pc.properties = {{"linger.ms", "20"}, {"batch.num.messages", "10000"}};
    // Destroyed before the broker is stopped (below), so that it does not log the broker going
    // away as an error after the summary.
    auto producer_owner = std::make_unique<kafka::kafka_producer>(pc);
    kafka::kafka_producer& producer = *producer_owner;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string key = key_of(lines[i], i);
        auto r = producer.produce("mentions", key, lines[i]);
        while (r == kafka::produce_result::queue_full) {
            producer.poll(5);
            r = producer.produce("mentions", key, lines[i]);
        }
        producer.poll(0);
    }
    if (!producer.flush(120000)) {
        std::fprintf(stderr, "preload failed\n");
        return 1;
    }
    for (int p = 0; p < opt.partitions; ++p) {
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        (void)rd_kafka_query_watermark_offsets(producer.c_ptr(), "mentions", p, &lo, &hi, 5000);
        if (lo != 0) {
            std::fprintf(stderr, "partition %d lost messages to the mock's retention\n", p);
            return 1;
        }
    }
    // Window records expected: one `*` and one per brand per final window; count them by
    // replaying through a first `pulso run`? Cheaper: windows are final up to max_t - 10 s, and
    // every brand of the generator appears in every minute at this rate.
    const millis final_wm = max_t - 10'000;
    const millis first_start = lines.empty() ? 0 : (go.start == 0 ? 0 : go.start);
    (void)first_start;
    const std::int64_t brands = static_cast<std::int64_t>(default_brand_names().size());
    const millis start = gen.options().start;
    const std::int64_t windows = std::max<std::int64_t>(0, (final_wm / 60'000) - (start / 60'000));
    const std::int64_t expected = windows * (brands + 1);
    if (expected <= 0) {
        std::fprintf(stderr, "no final window expected\n");
        return 1;
    }
    std::printf("preloaded %lld mentions into %d partitions (%s); %lld final windows, %lld "
                "window records expected\n",
                static_cast<long long>(n), opt.partitions, bootstrap.c_str(),
                static_cast<long long>(windows), static_cast<long long>(expected));

    std::vector<double> b_rate, b_cpu, p_rate, p_cpu;
    std::vector<double> r1, r1a, c1, r2, r2a, c2;
    int rebalanced_runs = 0;
    for (int run = 0; run < opt.runs; ++run) {
        const figure b = consume_once(bootstrap, n, false, run);
        const figure p = consume_once(bootstrap, n, true, run);
        const run_figure w1 =
            pulso_once(bootstrap, n, opt.partitions, expected, 1, run, producer.c_ptr());
        const run_figure w2 =
            pulso_once(bootstrap, n, opt.partitions, expected, 2, run, producer.c_ptr());
        std::printf("run %d: bytes %.0f/s %.2f cpu-s/M | parse %.0f/s %.2f | pulso 1w %.0f/s "
                    "(%.0f/s from assignment) %.2f | pulso 2w %.0f/s (%.0f/s) %.2f\n",
                    run + 1, b.rate, b.cpu_per_million, p.rate, p.cpu_per_million, w1.rate,
                    w1.rate_assigned, w1.cpu_per_million, w2.rate, w2.rate_assigned,
                    w2.cpu_per_million);
        for (const auto& [w, fig] : {std::pair{1, &w1}, std::pair{2, &w2}}) {
            if (fig->rebalanced) {
                ++rebalanced_runs;
                std::printf("run %d: pulso %dw rebalanced while consuming (the embedded broker's "
                            "group emulation; see its log): it measures a session timeout, not "
                            "pulso\n",
                            run + 1, w);
            }
        }
        std::fflush(stdout);
        b_rate.push_back(b.rate);
        b_cpu.push_back(b.cpu_per_million);
        p_rate.push_back(p.rate);
        p_cpu.push_back(p.cpu_per_million);
        r1.push_back(w1.rate);
        r1a.push_back(w1.rate_assigned);
        c1.push_back(w1.cpu_per_million);
        r2.push_back(w2.rate);
        r2a.push_back(w2.rate_assigned);
        c2.push_back(w2.cpu_per_million);
    }
    const double base = median(b_rate);
    std::printf("median of %d, N=%lld, %d partitions (CPU of the consuming process only; the "
                "broker process excluded):\n",
                opt.runs, static_cast<long long>(n), opt.partitions);
    std::printf("  (1) consume, touch bytes   : %9.0f mentions/s  %.2f CPU s/M\n", base,
                median(b_cpu));
    std::printf("  (2) consume + pulso parse  : %9.0f mentions/s  %.2f CPU s/M\n", median(p_rate),
                median(p_cpu));
    std::printf("  (3) pulso run, 1 worker    : %9.0f mentions/s (%9.0f from assignment)  %.2f "
                "CPU s/M  ratio to (1): %.0f %% (%.0f %%)\n",
                median(r1), median(r1a), median(c1), 100 * median(r1) / base,
                100 * median(r1a) / base);
    std::printf("  (3) pulso run, 2 workers   : %9.0f mentions/s (%9.0f from assignment)  %.2f "
                "CPU s/M  ratio to (1): %.0f %% (%.0f %%)\n",
                median(r2), median(r2a), median(c2), 100 * median(r2) / base,
                100 * median(r2a) / base);
    if (rebalanced_runs > 0) {
        std::printf("  %d pulso run(s) rebalanced while consuming (above): the medians include "
                    "them\n",
                    rebalanced_runs);
    }
    producer_owner.reset();
    kill(broker, SIGTERM);
    int st = 0;
    waitpid(broker, &st, 0);
    return 0;
}
