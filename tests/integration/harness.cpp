#include "harness.h"

#include "pulso/kafka/kafka_consumer.h"
#include "pulso/kafka/kafka_producer.h"
#include "pulso/pipeline/replay_engine.h"
#include "pulso/pipeline/stream_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pulso::itest {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

child::child(const std::vector<std::string>& args, bool capture_first_line,
             const std::string& stderr_file)
    : stderr_file_(stderr_file) {
    int fds[2] = {-1, -1};
    if (capture_first_line && ::pipe(fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    // Everything the child needs is prepared before fork(): after it, in a process with
    // librdkafka's threads, the child calls only async-signal-safe functions until exec.
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + args[0]);
    }
    if (pid_ == 0) {
        // Dies with the test: a test killed by ctest's timeout must not leave a broker or a
        // `pulso run` behind to load the machine for the tests after it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        if (capture_first_line) {
            ::dup2(fds[1], STDOUT_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
        }
        if (!stderr_file.empty()) {
            const int fd = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, STDERR_FILENO);
                ::close(fd);
            }
        }
        ::execve(argv[0], argv.data(), environ);
        static constexpr char k_msg[] = "harness: exec failed (is the binary built?)\n";
        (void)!::write(STDERR_FILENO, k_msg, sizeof k_msg - 1);
        ::_exit(127);
    }
    if (capture_first_line) {
        ::close(fds[1]);
        out_fd_ = fds[0];
    }
}

child::child(child&& o) noexcept
    : pid_(o.pid_), out_fd_(o.out_fd_), status_(o.status_), stderr_file_(std::move(o.stderr_file_)),
      checked_(o.checked_) {
    o.pid_ = -1;
    o.out_fd_ = -1;
}

child& child::operator=(child&& o) noexcept {
    if (this != &o) {
        release();
        pid_ = o.pid_;
        out_fd_ = o.out_fd_;
        status_ = o.status_;
        stderr_file_ = std::move(o.stderr_file_);
        checked_ = o.checked_;
        o.pid_ = -1;
        o.out_fd_ = -1;
    }
    return *this;
}

child::~child() {
    release();
}

void child::release() noexcept {
    if (pid_ > 0 && running()) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
    if (pid_ > 0) {
        check_sanitizer_report();
    }
    if (out_fd_ >= 0) {
        ::close(out_fd_);
    }
    pid_ = -1;
    out_fd_ = -1;
}

std::string child::first_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
        pollfd pfd{out_fd_, POLLIN, 0};
        if (::poll(&pfd, 1, 100) > 0) {
            char c = 0;
            if (::read(out_fd_, &c, 1) != 1) {
                break;
            }
            if (c == '\n') {
                return line;
            }
            line.push_back(c);
        }
    }
    return {};
}

void child::signal(int sig) {
    if (pid_ > 0) {
        ::kill(pid_, sig);
    }
}

bool child::running() {
    if (pid_ <= 0) {
        return false;
    }
    if (status_ != -1) {
        return false;
    }
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
        return false;
    }
    return r == 0;
}

int child::wait(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (running()) {
        if (clock_type::now() > deadline) {
            return -1;
        }
        std::this_thread::sleep_for(20ms);
    }
    if (status_ == -1) {
        return -1;
    }
    check_sanitizer_report();
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void child::check_sanitizer_report() {
    if (checked_ || stderr_file_.empty()) {
        return;
    }
    checked_ = true;
    std::ifstream f(stderr_file_);
    std::string line;
    while (std::getline(f, line)) {
        if (line.find("ThreadSanitizer") != std::string::npos ||
            line.find("AddressSanitizer") != std::string::npos ||
            line.find("LeakSanitizer") != std::string::npos ||
            line.find("runtime error:") != std::string::npos) {
            ADD_FAILURE() << "sanitizer report in " << stderr_file_ << ": " << line;
            return;
        }
    }
}

std::string pulso_bin() {
    return PULSO_BIN;
}

std::string temp_dir(const std::string& what) {
    const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                    ("pulso-it-" + what + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p.string();
}

std::string fresh_group(const std::string& what) {
    static std::atomic<int> counter{0};
    return "pulso-it-" + what + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + "-" +
           std::to_string(clock_type::now().time_since_epoch().count());
}

std::string broker_bin() {
    // The TSan step runs `pulso run` under TSan against the release build's broker: the mock
    // cluster inside an uninstrumented librdkafka crashes under TSan, and the broker is not
    // the code under test.
    const char* over = std::getenv("PULSO_TEST_BROKER_BIN");
    return over != nullptr && *over != '\0' ? std::string(over) : pulso_bin();
}

std::pair<child, std::string> start_broker(int partitions, const std::string& dir) {
    child c({broker_bin(), "broker", "--partitions", std::to_string(partitions)}, true,
            dir + "/broker.log");
    std::string bootstrap = c.first_line(15s);
    if (bootstrap.empty()) {
        throw std::runtime_error("pulso broker printed no bootstrap address");
    }
    return {std::move(c), bootstrap};
}

std::string config_yaml(const std::string& bootstrap, const std::string& group,
                        const std::string& extra, const std::string& idle_timeout) {
    std::string y(default_brands_yaml());
    y += "\nwatermark: {max_out_of_order: 10s, idle_timeout: " + idle_timeout + "}\n";
    y += "kafka:\n  brokers: \"" + bootstrap + "\"\n  topic: mentions\n  group: \"" + group +
         "\"\n  \"session.timeout.ms\": 6000\n  \"heartbeat.interval.ms\": 500\n"
         "  \"fetch.wait.max.ms\": 50\n";
    // Any free port: tests run several services at once.
    y += "http: {listen: \"127.0.0.1:0\"}\n";
    y += extra;
    return y;
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    return path;
}

generated generate(const generator_options& o) {
    generated g;
    mention_generator gen(o);
    std::string line;
    millis t = 0;
    while (true) {
        line.clear();
        if (!gen.next(line, t)) {
            break;
        }
        if (gen.truth().kind == generated_kind::bad) {
            ++g.bad;
        } else {
            g.max_event = std::max(g.max_event, t);
        }
        g.lines.push_back(line);
    }
    return g;
}

namespace {
std::string key_of(const std::string& line, std::size_t index) {
    const std::string_view k = R"("id":")";
    const std::size_t at = line.find(k);
    if (at != std::string::npos) {
        const std::size_t end = line.find('"', at + k.size());
        if (end != std::string::npos && end > at + k.size()) {
            return line.substr(at + k.size(), end - at - k.size());
        }
    }
    return "line-" + std::to_string(index);
}

class null_listener final : public kafka::rebalance_listener {
  public:
    void on_assigned(std::span<const kafka::assigned_partition> /*parts*/) override {}
    std::vector<kafka::partition_offset> on_revoked(std::span<const std::int32_t> /*parts*/,
                                                    bool /*lost*/) override {
        return {};
    }
};

/// Captures the records of one kind.
class capture_sink final : public record_sink {
  public:
    explicit capture_sink(record_kind kind = record_kind::window) : kind_(kind) {}
    void emit(record_kind kind, std::string_view /*key*/, std::string_view json) override {
        if (kind == kind_) {
            out.emplace_back(json);
        }
    }
    std::vector<std::string> out;

  private:
    record_kind kind_;
};

std::vector<std::string> replay_kind(const config& cfg, const std::vector<std::string>& lines,
                                     record_kind kind) {
    capture_sink sink(kind);
    replay_engine engine(cfg, sink, "input");
    for (std::size_t i = 0; i < lines.size(); ++i) {
        engine.feed(lines[i], static_cast<std::int64_t>(i), false);
    }
    engine.finish();
    return std::move(sink.out);
}
} // namespace

void produce(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::string>& lines, double per_second, std::size_t from,
             std::size_t to) {
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap;
    pc.properties = {{"linger.ms", "5"}};
    kafka::kafka_producer producer(pc);
    to = std::min(to, lines.size());
    const auto t0 = clock_type::now();
    for (std::size_t i = from; i < to; ++i) {
        if (per_second > 0 && (i - from) % 256 == 0) {
            const auto due =
                t0 + std::chrono::duration_cast<clock_type::duration>(
                         std::chrono::duration<double>(static_cast<double>(i - from) / per_second));
            std::this_thread::sleep_until(due);
        }
        const std::string key = key_of(lines[i], i);
        kafka::produce_result r = producer.produce(topic, key, lines[i]);
        while (r == kafka::produce_result::queue_full) {
            producer.poll(5);
            r = producer.produce(topic, key, lines[i]);
        }
        if (r != kafka::produce_result::ok) {
            throw std::runtime_error("produce refused");
        }
        producer.poll(0);
    }
    if (!producer.flush(60000) || producer.stats().failed != 0) {
        throw std::runtime_error("produce: not every message was delivered");
    }
}

std::vector<std::string> read_topic(const std::string& bootstrap, const std::string& topic) {
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap;
    kafka::kafka_producer probe(pc);
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(probe.c_ptr(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(probe.c_ptr(), 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_destroy(rkt);
        throw std::runtime_error("metadata of " + topic);
    }
    const int partitions = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    std::int64_t total = 0;
    for (int p = 0; p < partitions; ++p) {
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        if (rd_kafka_query_watermark_offsets(probe.c_ptr(), topic.c_str(), p, &lo, &hi, 5000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("watermarks of " + topic);
        }
        total += hi - lo;
    }
    std::vector<std::string> out;
    if (total == 0) {
        return out;
    }
    kafka::consumer_config cc;
    cc.bootstrap_servers = bootstrap;
    cc.group_id = fresh_group("reader");
    cc.properties = {{"session.timeout.ms", "6000"},
                     {"heartbeat.interval.ms", "500"},
                     {"fetch.wait.max.ms", "50"}};
    null_listener listener;
    kafka::kafka_consumer consumer(cc, &listener);
    consumer.subscribe(topic);
    const auto deadline = clock_type::now() + 30s;
    while (static_cast<std::int64_t>(out.size()) < total && clock_type::now() < deadline) {
        consumer.poll(100, [&](const kafka::kafka_record& r) { out.emplace_back(r.value); });
    }
    (void)consumer.close(5s);
    if (static_cast<std::int64_t>(out.size()) < total) {
        throw std::runtime_error("read_topic: got " + std::to_string(out.size()) + " of " +
                                 std::to_string(total));
    }
    return out;
}

std::int64_t committed_watermark(const std::string& bootstrap, const std::string& group,
                                 const std::string& topic, int partitions) {
    kafka::consumer_config cc;
    cc.bootstrap_servers = bootstrap;
    cc.group_id = group;
    null_listener listener;
    kafka::kafka_consumer consumer(cc, &listener);
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
    }
    std::int64_t wm = std::numeric_limits<std::int64_t>::max();
    if (rd_kafka_committed(consumer.c_ptr(), l, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        wm = k_no_watermark;
    } else {
        for (int i = 0; i < l->cnt; ++i) {
            const auto& e = l->elems[i];
            const std::string meta =
                e.metadata != nullptr
                    ? std::string(static_cast<const char*>(e.metadata), e.metadata_size)
                    : std::string();
            wm = std::min(wm, parse_commit_metadata(meta));
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    (void)consumer.close(2s);
    return wm;
}

bool nothing_dropped(const std::string& bootstrap, const std::string& topic, int partitions) {
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap;
    kafka::kafka_producer probe(pc);
    for (int p = 0; p < partitions; ++p) {
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        if (rd_kafka_query_watermark_offsets(probe.c_ptr(), topic.c_str(), p, &lo, &hi, 5000) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            lo != 0) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> log_lines_with(const std::string& log, const std::string& what) {
    std::vector<std::string> out;
    std::ifstream f(log);
    std::string line;
    while (std::getline(f, line)) {
        if (line.find(what) != std::string::npos) {
            out.push_back(line);
        }
    }
    return out;
}

bool wait_for_log(const std::string& log, const std::string& what, std::size_t n,
                  std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
        if (log_lines_with(log, what).size() >= n) {
            return true;
        }
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

std::vector<std::string> replay_windows(const config& cfg, const std::vector<std::string>& lines) {
    return replay_kind(cfg, lines, record_kind::window);
}

std::vector<std::string> replay_detections(const config& cfg, const std::vector<std::string>& lines,
                                           bool alerts) {
    return replay_kind(cfg, lines, alerts ? record_kind::alert : record_kind::trend);
}

namespace {
std::string field(const std::string& json, std::string_view name) {
    std::string k; // built piecewise: GCC 12 flags `"\"" + std::string(...)` (-Wrestrict)
    k += '"';
    k.append(name);
    k += "\":\"";
    const std::size_t at = json.find(k);
    if (at == std::string::npos) {
        return {};
    }
    const std::size_t end = json.find('"', at + k.size());
    return json.substr(at + k.size(), end - at - k.size());
}
} // namespace

std::string diff_windows(const std::set<std::string>& got, const std::set<std::string>& expected) {
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    for (const std::string& e : expected) {
        if (!got.contains(e)) {
            missing.push_back(window_key(e));
        }
    }
    for (const std::string& g : got) {
        if (!expected.contains(g)) {
            extra.push_back(window_key(g));
        }
    }
    if (missing.empty() && extra.empty()) {
        return {};
    }
    std::string out = std::to_string(got.size()) + " records, expected " +
                      std::to_string(expected.size()) + "; " + std::to_string(missing.size()) +
                      " expected missing or different (";
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) {
        out += missing[i] + " ";
    }
    out += "), " + std::to_string(extra.size()) + " unexpected (";
    for (std::size_t i = 0; i < extra.size() && i < 5; ++i) {
        out += extra[i] + " ";
    }
    out += ")";
    // The first record that differs, in full on both sides: the key alone says little.
    for (const std::string& e : expected) {
        if (got.contains(e)) {
            continue;
        }
        out.append("\n  expected: ").append(e);
        for (const std::string& g : got) {
            if (window_key(g) == window_key(e)) {
                out.append("\n  got:      ").append(g);
                break;
            }
        }
        break;
    }
    return out;
}

std::string window_key(const std::string& json) {
    return field(json, "brand") + "|" + field(json, "window_start");
}

std::int64_t window_end(const std::string& json) {
    millis t = 0;
    (void)parse_rfc3339(field(json, "window_end"), t);
    return t;
}

std::string dead_letter_coords(const std::string& json) {
    const std::size_t p = json.find(R"("partition":)");
    const std::size_t off = json.find(R"("offset":)");
    if (p == std::string::npos || off == std::string::npos) {
        return {};
    }
    return json.substr(p, json.find(',', p) - p) + json.substr(off, json.find(',', off) - off);
}

} // namespace pulso::itest
