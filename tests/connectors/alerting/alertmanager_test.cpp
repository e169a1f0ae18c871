// Against a real Alertmanager (Debian package prometheus-alertmanager): pulso's alert appears
// through GET /api/v2/alerts with its labels, then resolves.
#include "test_receiver.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <pulso/alerting/alert_dispatcher.h>
#include <pulso/core/time.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace pulso::alerting {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* k_alertmanager = "/usr/bin/prometheus-alertmanager";

/// The dispatcher's count of alerts Alertmanager accepted, once it reaches `n` or after
/// `timeout`.
std::uint64_t sent_within(const alert_dispatcher& d, std::uint64_t n,
                          std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::uint64_t sent = d.stats(alert_sink::alertmanager).sent;
    while (sent < n && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(10ms);
        sent = d.stats(alert_sink::alertmanager).sent;
    }
    return sent;
}

/// One Alertmanager process in its own process group, with a temp config and storage.
class alertmanager_process {
  public:
    explicit alertmanager_process(const std::string& webhook_url) {
        char tmpl[] = "/tmp/pulso-am-XXXXXX";
        const char* dir = ::mkdtemp(tmpl);
        if (dir == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = dir;
        port_ = test::unused_port();
        {
            std::ofstream cfg(dir_ / "alertmanager.yml");
            cfg << "route:\n"
                   "  receiver: test\n"
                   "  group_by: [brand, rule]\n"
                   "  group_wait: 1s\n"
                   "  group_interval: 1s\n"
                   "  repeat_interval: 1h\n"
                   "receivers:\n"
                   "  - name: test\n"
                   "    webhook_configs:\n"
                   "      - url: "
                << webhook_url
                << "\n"
                   "        send_resolved: true\n";
        }
        fs::create_directories(dir_ / "data");
        const std::string config = "--config.file=" + (dir_ / "alertmanager.yml").string();
        const std::string storage = "--storage.path=" + (dir_ / "data").string();
        const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
        const std::string log = (dir_ / "alertmanager.log").string();
        pid_ = ::fork();
        if (pid_ < 0) {
            throw std::runtime_error("fork failed");
        }
        if (pid_ == 0) {
            ::setpgid(0, 0); // own process group: the parent kills the whole group
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execl(k_alertmanager, k_alertmanager, config.c_str(), storage.c_str(), listen.c_str(),
                    "--cluster.listen-address=", "--log.level=info", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::setpgid(pid_, pid_); // also from the parent: no race with the child's own call
    }

    ~alertmanager_process() {
        if (pid_ > 0) {
            ::kill(-pid_, SIGTERM);
            int status = 0;
            for (int i = 0; i < 100; ++i) {
                if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                    pid_ = 0;
                    break;
                }
                std::this_thread::sleep_for(50ms);
            }
            if (pid_ > 0) {
                ::kill(-pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] std::string log() const {
        std::ifstream in(dir_ / "alertmanager.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    /// Whether the process is still running (not exited).
    [[nodiscard]] bool alive() const {
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == 0;
    }

    bool wait_ready(std::chrono::seconds timeout) const {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            std::string body;
            if (test::http_get(port_, "/-/ready", body) == 200) {
                return true;
            }
            if (!alive()) {
                return false;
            }
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

  private:
    fs::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = 0;
};

std::string detector_alert(const char* status) {
    std::ifstream in(std::string(PULSO_SOURCE_DIR) +
                     "/tests/data/detect/negative_spike_seed7.alerts.ndjson");
    const std::string want = std::string("\"id\":\"a2188edfa916ad85\",\"status\":\"") + status;
    for (std::string line; std::getline(in, line);) {
        if (line.find(want) != std::string::npos) {
            return line;
        }
    }
    return {};
}

/// What GET /api/v2/alerts says about pulso's alert.
struct am_view {
    bool present = false;
    std::string state;
    std::string brand, rule, severity, alert_id;
    millis ends_at = 0;
};

am_view find_alert(std::uint16_t port, const std::string& query) {
    am_view v;
    std::string body;
    if (test::http_get(port, "/api/v2/alerts" + query, body) != 200) {
        return v;
    }
    simdjson::dom::parser p;
    simdjson::dom::array arr;
    if (p.parse(body).get(arr) != simdjson::SUCCESS) {
        return v;
    }
    for (simdjson::dom::element a : arr) {
        std::string_view name;
        if (a["labels"]["alertname"].get(name) != simdjson::SUCCESS ||
            name != "pulso_negative_spike") {
            continue;
        }
        v.present = true;
        std::string_view s;
        if (a["status"]["state"].get(s) == simdjson::SUCCESS) {
            v.state = s;
        }
        if (a["labels"]["brand"].get(s) == simdjson::SUCCESS) {
            v.brand = s;
        }
        if (a["labels"]["rule"].get(s) == simdjson::SUCCESS) {
            v.rule = s;
        }
        if (a["labels"]["severity"].get(s) == simdjson::SUCCESS) {
            v.severity = s;
        }
        if (a["annotations"]["alert_id"].get(s) == simdjson::SUCCESS) {
            v.alert_id = s;
        }
        if (a["endsAt"].get(s) == simdjson::SUCCESS) {
            (void)parse_rfc3339(s, v.ends_at);
        }
    }
    return v;
}

millis wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

TEST(RealAlertmanager, AlertAppearsThenResolves) {
    ASSERT_TRUE(fs::exists(k_alertmanager))
        << k_alertmanager
        << " is missing: install the Debian package prometheus-alertmanager "
           "(scripts/setup.sh does)";
    const std::string firing = detector_alert("firing");
    const std::string resolved = detector_alert("resolved");
    ASSERT_FALSE(firing.empty());
    ASSERT_FALSE(resolved.empty());

    test::test_receiver notifications; // Alertmanager's own webhook receiver
    alertmanager_process am(notifications.url("/am-webhook"));
    ASSERT_TRUE(am.wait_ready(30s)) << "Alertmanager did not become ready:\n" << am.log();

    alert_sink_options o;
    o.alertmanager_url = am.url();
    o.external_url = "http://127.0.0.1:8080/";
    o.backoff_base = 100ms;
    alert_dispatcher d(o);

    d.emit(record_kind::alert, "acme", firing);
    am_view v;
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until) {
        v = find_alert(am.port(), "");
        if (v.present && v.state == "active") {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(v.present) << am.log();
    EXPECT_EQ(v.state, "active");
    EXPECT_EQ(v.brand, "acme");
    EXPECT_EQ(v.rule, "negative_spike");
    EXPECT_EQ(v.severity, "critical");
    EXPECT_EQ(v.alert_id, "a2188edfa916ad85");
    EXPECT_GT(v.ends_at, wall_ms()) << "a firing alert's endsAt lies in the future";
    // Alertmanager can list the alert before the sender thread has read its reply and counted it.
    EXPECT_EQ(sent_within(d, 1U, 5s), 1U);

    // Alertmanager routes it to its receiver after group_wait.
    ASSERT_TRUE(notifications.wait_for(1, 15s)) << am.log();
    const std::string note = notifications.requests()[0].body;
    EXPECT_NE(note.find("\"status\":\"firing\""), std::string::npos) << note;
    EXPECT_NE(note.find("\"alertname\":\"pulso_negative_spike\""), std::string::npos) << note;
    EXPECT_NE(note.find("\"brand\":\"acme\""), std::string::npos) << note;

    d.emit(record_kind::alert, "acme", resolved);
    bool gone = false;
    const auto until2 = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until2 && !gone) {
        const am_view active = find_alert(am.port(), "?active=true&silenced=false&inhibited=false");
        const am_view any = find_alert(am.port(), "");
        gone = !active.present || (any.present && any.ends_at <= wall_ms());
        if (!gone) {
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_TRUE(gone) << "the resolved alert is still active\n" << am.log();
    EXPECT_EQ(sent_within(d, 2U, 5s), 2U);

    // And Alertmanager tells its receiver that it resolved (send_resolved: true).
    bool resolved_note = false;
    const auto until3 = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until3 && !resolved_note) {
        for (const auto& r : notifications.requests()) {
            resolved_note =
                resolved_note || r.body.find("\"status\":\"resolved\"") != std::string::npos;
        }
        if (!resolved_note) {
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_TRUE(resolved_note) << am.log();
    EXPECT_TRUE(d.close(5s));
    EXPECT_EQ(d.stats(alert_sink::alertmanager).errors(), 0U);
}

} // namespace
} // namespace pulso::alerting
