#include "commands.h"
#include "pulso/generator/generator.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace pulso::app {
namespace {

struct generate_args {
    std::string out = "-";
    double rate = 100.0;
    std::string duration = "10m";
    std::uint64_t seed = 1;
    std::string scenario;
    std::string start;
    double bad_ratio = 0.0;
    double duplicate_ratio = 0.0;
    std::string disorder = "0s";
    bool list = false;
};

void run_generate(const generate_args& a) {
    if (a.list) {
        for (auto name : scenario_names()) {
            std::printf("%-22s %s\n", std::string(name).c_str(),
                        std::string(scenario_description(name)).c_str());
        }
        return;
    }
    generator_options o;
    o.rate = a.rate;
    const auto d = parse_duration(a.duration);
    if (!d || *d <= 0) {
        throw usage_error("--duration: expected a duration like 90s, 10m or 1h, got '" +
                          a.duration + "'");
    }
    o.duration = *d;
    const auto dis = parse_duration(a.disorder);
    if (!dis) {
        throw usage_error("--disorder: expected a duration like 5s, got '" + a.disorder + "'");
    }
    o.max_disorder = *dis;
    if (!a.start.empty()) {
        millis t = 0;
        if (parse_rfc3339(a.start, t) != time_errc::ok) {
            throw usage_error(
                "--start: expected an RFC 3339 time like 2026-11-26T04:00:00Z, got '" + a.start +
                "'");
        }
        o.start = t;
    }
    if (a.rate <= 0) {
        throw usage_error("--rate must be > 0");
    }
    if (a.bad_ratio < 0 || a.bad_ratio > 1 || a.duplicate_ratio < 0 || a.duplicate_ratio > 1) {
        throw usage_error("--bad-ratio and --duplicate-ratio must be in [0, 1]");
    }
    o.seed = a.seed;
    o.bad_ratio = a.bad_ratio;
    o.duplicate_ratio = a.duplicate_ratio;
    o.scenario = a.scenario;
    mention_generator gen(o); // throws std::invalid_argument for an unknown scenario

    std::FILE* f = a.out == "-" ? stdout : std::fopen(a.out.c_str(), "wb");
    if (f == nullptr) {
        throw std::runtime_error(a.out + ": cannot open for writing: " + std::strerror(errno));
    }
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    std::string line;
    millis t = 0;
    while (true) {
        line.clear();
        if (!gen.next(line, t)) {
            break;
        }
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), f);
    }
    const bool bad = std::fflush(f) != 0 || std::ferror(f) != 0;
    if (f != stdout) {
        std::fclose(f);
    }
    if (bad) {
        throw std::runtime_error(a.out + ": write error");
    }
    std::fprintf(stderr, "generate: %llu records\n",
                 static_cast<unsigned long long>(gen.produced()));
}

} // namespace

void add_generate(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "generate", "Synthetic mentions (mixed es/en/pt, hashtags, brands, reposts, heavy-tailed "
                    "followers) with optional scripted scenarios and bad records.");
    auto a = std::make_shared<generate_args>();
    cmd->add_option("--out", a->out, "Output NDJSON file, - for stdout")->capture_default_str();
    cmd->add_option("--rate", a->rate, "Mentions per second of event time")->capture_default_str();
    cmd->add_option("--duration", a->duration, "Event-time span (e.g. 90s, 10m, 1h)")
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Random seed; the same seed gives the same bytes")
        ->capture_default_str();
    cmd->add_option("--scenario", a->scenario, "Scripted events; see --list-scenarios");
    cmd->add_option("--start", a->start,
                    "Event time of the first mention (RFC 3339; default 2026-11-26T04:00:00Z)");
    cmd->add_option("--bad-ratio", a->bad_ratio,
                    "Fraction of bad records, cycling through the reject reasons")
        ->capture_default_str();
    cmd->add_option("--duplicate-ratio", a->duplicate_ratio, "Fraction of exact re-sends")
        ->capture_default_str();
    cmd->add_option("--disorder", a->disorder,
                    "Jitter event times back by up to this (out-of-order input)")
        ->capture_default_str();
    cmd->add_flag("--list-scenarios", a->list, "List the scenarios and exit");
    cmd->callback([a] { run_generate(*a); });
}

} // namespace pulso::app
