// The Kafka ceiling on this machine: how fast one consumer takes mentions from a broker in
// another process, (1) touching only the bytes and (2) also parsing 10 fields with simdjson
// On-Demand. Starts `run_broker_process` in a child, preloads N keyed mention-shaped messages,
// then alternates the two modes `--runs` times and prints medians.
//
//   kafka_consume_bench [--messages N] [--partitions P] [--brokers K] [--runs R]
//
// CPU is getrusage(RUSAGE_SELF) of this process (all librdkafka threads included, the broker
// process excluded), from the first record to the last.
#include "count_options.h"
#include "pulso/kafka/embedded_broker.h"
#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_producer.h"

#include <simdjson.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <signal.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using pulso::kafka::consumer_config;
using pulso::kafka::kafka_consumer;
using pulso::kafka::kafka_producer;
using pulso::kafka::kafka_record;
using pulso::kafka::produce_result;
using pulso::kafka::producer_config;
using clock_type = std::chrono::steady_clock;

constexpr const char* k_topic = "mentions";

struct options {
    std::int64_t messages = 640000;
    int partitions = 64;
    int brokers = 1;
    int runs = 3;
};

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// A mention of about 450 bytes in the contract's shape, mixed es/en/pt text.
std::string make_mention(std::int64_t i, std::string& key) {
    static const std::array<const char*, 6> texts = {
        "El servicio de atencion al cliente de acme fue rapido y amable, recomiendo la nueva "
        "app aunque la entrega tardo un poco mas de lo prometido #acme #servicio",
        "Terrible experience with acme support today, waited two hours on the phone and nobody "
        "could explain the extra charge on my bill. Refund please! #acmefail",
        "Adorei o novo produto da acme, chegou antes do prazo e a qualidade e excelente. "
        "Recomendo para todos os amigos que procuram algo bom #acme #qualidade",
        "No puedo creer que acme vuelva a subir los precios este mes, estoy pensando seriamente "
        "en cambiarme a la competencia si no mejoran pronto #precios",
        "Just tried the acme corp beta and it is honestly impressive: fast, clean and the "
        "onboarding took less than a minute. Well done team #acme #beta",
        "Alguem mais ficou sem sinal da acme hoje de manha? Ja liguei tres vezes e o atendimento "
        "nao resolve nada, que decepcao com a empresa #apagao"};
    static const std::array<const char*, 4> platforms = {"twitter", "facebook", "instagram",
                                                         "reddit"};
    static const std::array<const char*, 3> langs = {"es", "en", "pt"};
    char id[32];
    std::snprintf(id, sizeof id, "m%012lld", static_cast<long long>(i));
    key = id;
    const std::int64_t ms = 1764129600000LL + i * 7;
    char buf[1024];
    const int n = std::snprintf(
        buf, sizeof buf,
        R"({"id":"%s","platform":"%s","created_at":%lld,"text":"%s","author":{"id":"u%lld",)"
        R"("handle":"@user%lld","followers":%lld,"verified":%s},"lang":"%s",)"
        R"("engagement":{"likes":%lld,"shares":%lld,"comments":%lld,"views":%lld},)"
        R"("country":"MX","url":"https://example.com/p/%lld"})",
        id, platforms[static_cast<std::size_t>(i % 4)], static_cast<long long>(ms),
        texts[static_cast<std::size_t>(i % 6)], static_cast<long long>(i % 50000),
        static_cast<long long>(i % 50000), static_cast<long long>((i * 37) % 200000),
        (i % 10 == 0) ? "true" : "false", langs[static_cast<std::size_t>(i % 3)],
        static_cast<long long>(i % 100), static_cast<long long>(i % 17),
        static_cast<long long>(i % 5), static_cast<long long>(i % 10000),
        static_cast<long long>(i));
    return {buf, static_cast<std::size_t>(n)};
}

/// Forks the broker process; returns its pid and fills `bootstrap` from its first stdout line.
pid_t start_broker(const options& opt, std::string& bootstrap) {
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        // Dies with this process: a harness killed mid-run must not leave its broker behind.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[1]);
        spdlog::set_default_logger(spdlog::stderr_color_mt("broker"));
        spdlog::set_level(spdlog::level::warn);
        pulso::kafka::broker_options bo;
        bo.brokers = opt.brokers;
        bo.partitions = opt.partitions;
        bo.topics = {k_topic};
        int rc = 1;
        try {
            rc = pulso::kafka::run_broker_process(bo, std::cout);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "broker: %s\n", e.what());
        }
        std::fflush(nullptr);
        _exit(rc);
    }
    close(fds[1]);
    char c = 0;
    while (read(fds[0], &c, 1) == 1 && c != '\n') {
        bootstrap.push_back(c);
    }
    close(fds[0]);
    if (bootstrap.empty()) {
        std::fprintf(stderr, "broker process printed no bootstrap address\n");
        std::exit(1);
    }
    return pid;
}

void preload(const options& opt, const std::string& bootstrap) {
    producer_config pc;
    pc.bootstrap_servers = bootstrap;
    pc.properties = {{"linger.ms", "20"}, {"batch.num.messages", "10000"}};
    kafka_producer producer(pc);
    std::string key;
    const auto t0 = clock_type::now();
    for (std::int64_t i = 0; i < opt.messages; ++i) {
        const std::string value = make_mention(i, key);
        produce_result r = producer.produce(k_topic, key, value);
        while (r == produce_result::queue_full) {
            producer.poll(5);
            r = producer.produce(k_topic, key, value);
        }
        if (r != produce_result::ok) {
            std::fprintf(stderr, "produce failed\n");
            std::exit(1);
        }
        producer.poll(0);
    }
    if (!producer.flush(120000) ||
        producer.stats().delivered != static_cast<std::uint64_t>(opt.messages)) {
        std::fprintf(stderr, "preload: only %llu of %lld delivered\n",
                     static_cast<unsigned long long>(producer.stats().delivered),
                     static_cast<long long>(opt.messages));
        std::exit(1);
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    // The mock silently drops the oldest messages past ~5 MiB per partition: check none went.
    std::int64_t total = 0;
    std::int64_t max_backlog = 0;
    for (int p = 0; p < opt.partitions; ++p) {
        std::int64_t lo = -1;
        std::int64_t hi = -1;
        if (rd_kafka_query_watermark_offsets(producer.c_ptr(), k_topic, p, &lo, &hi, 10000) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            lo != 0) {
            std::fprintf(stderr,
                         "partition %d lost its oldest messages to the mock's retention (low "
                         "watermark %lld): use more partitions or fewer messages\n",
                         p, static_cast<long long>(lo));
            std::exit(1);
        }
        total += hi;
        max_backlog = std::max(max_backlog, hi);
    }
    if (total != opt.messages) {
        std::fprintf(stderr, "broker holds %lld messages, expected %lld\n",
                     static_cast<long long>(total), static_cast<long long>(opt.messages));
        std::exit(1);
    }
    std::printf("preloaded %lld mentions in %.1f s (%.0f/s); largest partition %lld messages\n",
                static_cast<long long>(opt.messages), secs,
                static_cast<double>(opt.messages) / secs, static_cast<long long>(max_backlog));
}

struct result {
    double rate = 0;            // mentions per second
    double cpu_per_million = 0; // CPU seconds per million mentions
};

class null_listener : public pulso::kafka::rebalance_listener {
  public:
    void on_assigned(std::span<const pulso::kafka::assigned_partition>) override {}
    std::vector<pulso::kafka::partition_offset> on_revoked(std::span<const std::int32_t>,
                                                           bool) override {
        return {};
    }
};

/// Consumes the whole topic once with a fresh group; `parse` adds the simdjson work.
result consume_once(const options& opt, const std::string& bootstrap, bool parse, int run) {
    consumer_config cc;
    cc.bootstrap_servers = bootstrap;
    cc.group_id = "bench-" + std::to_string(getpid()) + "-" + std::to_string(run) +
                  (parse ? "-parse" : "-bytes");
    cc.max_batch = 4096;
    cc.properties = {{"session.timeout.ms", "10000"}, {"heartbeat.interval.ms", "1000"}};
    null_listener listener;
    kafka_consumer consumer(cc, &listener);
    consumer.subscribe(k_topic);

    simdjson::ondemand::parser parser;
    std::vector<char> padded(64 * 1024 + simdjson::SIMDJSON_PADDING);
    std::uint64_t checksum = 0;
    std::uint64_t parse_errors = 0;
    std::int64_t count = 0;
    double cpu0 = 0;
    clock_type::time_point t0;

    auto on_record = [&](const kafka_record& r) {
        if (count == 0) {
            t0 = clock_type::now();
            cpu0 = cpu_seconds();
        }
        ++count;
        if (!parse) {
            // Touch every byte, as a parser would at least once.
            std::uint64_t s = 0;
            for (const char c : r.value) {
                s += static_cast<unsigned char>(c);
            }
            checksum += s;
            return;
        }
        if (r.value.size() + simdjson::SIMDJSON_PADDING > padded.size()) {
            ++parse_errors;
            return;
        }
        std::copy(r.value.begin(), r.value.end(), padded.begin());
        auto doc = parser.iterate(padded.data(), r.value.size(), padded.size());
        std::string_view id;
        std::string_view platform;
        std::int64_t created = 0;
        std::string_view text;
        std::string_view author_id;
        std::string_view handle;
        std::int64_t followers = 0;
        std::string_view lang;
        std::int64_t likes = 0;
        std::int64_t shares = 0;
        bool ok = doc["id"].get(id) == simdjson::SUCCESS &&
                  doc["platform"].get(platform) == simdjson::SUCCESS &&
                  doc["created_at"].get(created) == simdjson::SUCCESS &&
                  doc["text"].get(text) == simdjson::SUCCESS;
        if (ok) {
            auto author = doc["author"];
            ok = author["id"].get(author_id) == simdjson::SUCCESS &&
                 author["handle"].get(handle) == simdjson::SUCCESS &&
                 author["followers"].get(followers) == simdjson::SUCCESS;
        }
        ok = ok && doc["lang"].get(lang) == simdjson::SUCCESS;
        if (ok) {
            auto engagement = doc["engagement"];
            ok = engagement["likes"].get(likes) == simdjson::SUCCESS &&
                 engagement["shares"].get(shares) == simdjson::SUCCESS;
        }
        if (!ok) {
            ++parse_errors;
            return;
        }
        checksum += id.size() + platform.size() + static_cast<std::uint64_t>(created) +
                    text.size() + author_id.size() + handle.size() +
                    static_cast<std::uint64_t>(followers) + lang.size() +
                    static_cast<std::uint64_t>(likes + shares);
    };
    const auto deadline = clock_type::now() + std::chrono::minutes(10);
    while (count < opt.messages) {
        consumer.poll(100, on_record);
        if (consumer.has_fatal_error() || clock_type::now() > deadline) {
            std::fprintf(stderr, "consume stopped at %lld of %lld: %s\n",
                         static_cast<long long>(count), static_cast<long long>(opt.messages),
                         consumer.fatal_error().c_str());
            std::exit(1);
        }
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    (void)consumer.close(std::chrono::seconds(10));
    if (parse_errors != 0 || checksum == 0) {
        std::fprintf(stderr, "parse errors: %llu\n", static_cast<unsigned long long>(parse_errors));
        std::exit(1);
    }
    return {static_cast<double>(opt.messages) / secs,
            cpu / static_cast<double>(opt.messages) * 1e6};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    pulso::bench::parse_count_options(
        argc, argv,
        {{"--messages", &opt.messages},
         {"--partitions", &opt.partitions, 10'000},
         {"--brokers", &opt.brokers, 100},
         {"--runs", &opt.runs, 1'000}},
        "usage: kafka_consume_bench [--messages N] [--partitions P] [--brokers K] [--runs R]\n"
        "The Kafka ceiling here: preloads N mention-shaped messages (default 640000) into an\n"
        "embedded broker with K brokers (default 1) and P partitions (default 64), then\n"
        "consumes them R times (default 3) touching the bytes, and again parsing them with\n"
        "simdjson; prints rates, CPU per million messages and medians.\n");

    // Fork before any thread exists in this process.
    std::string bootstrap;
    const pid_t broker = start_broker(opt, bootstrap);
    spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
    spdlog::set_level(spdlog::level::warn);
    std::printf("broker process %d at %s: %d broker(s), topic %s with %d partitions\n",
                static_cast<int>(broker), bootstrap.c_str(), opt.brokers, k_topic, opt.partitions);
    std::printf("simdjson implementation: %s\n",
                simdjson::get_active_implementation()->name().c_str());
    preload(opt, bootstrap);

    std::vector<double> bytes_rate;
    std::vector<double> bytes_cpu;
    std::vector<double> parse_rate;
    std::vector<double> parse_cpu;
    for (int run = 0; run < opt.runs; ++run) {
        const result b = consume_once(opt, bootstrap, false, run);
        const result p = consume_once(opt, bootstrap, true, run);
        std::printf(
            "run %d: bytes %.0f mentions/s %.2f cpu-s/M | parse %.0f mentions/s %.2f cpu-s/M\n",
            run + 1, b.rate, b.cpu_per_million, p.rate, p.cpu_per_million);
        std::fflush(stdout);
        bytes_rate.push_back(b.rate);
        bytes_cpu.push_back(b.cpu_per_million);
        parse_rate.push_back(p.rate);
        parse_cpu.push_back(p.cpu_per_million);
    }
    std::printf("median of %d, N=%lld, %d partitions:\n", opt.runs,
                static_cast<long long>(opt.messages), opt.partitions);
    std::printf("  (1) consume, touch bytes : %9.0f mentions/s  %.2f CPU s per million\n",
                median(bytes_rate), median(bytes_cpu));
    std::printf("  (2) consume + simdjson   : %9.0f mentions/s  %.2f CPU s per million\n",
                median(parse_rate), median(parse_cpu));

    kill(broker, SIGTERM);
    int status = 0;
    waitpid(broker, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
