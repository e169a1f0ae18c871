#pragma once

// Headless Chromium driven through the DevTools protocol over --remote-debugging-pipe (fd 3:
// commands in, fd 4: replies out, NUL-separated JSON). Used instead of `--dump-dom
// --virtual-time-budget`, which never finishes on a page holding an EventSource open (virtual
// time stops while a request is pending), and which cannot wait for a condition.

#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace pulso::http::test {

class chromium_cdp {
  public:
    chromium_cdp() = default;
    chromium_cdp(const chromium_cdp&) = delete;
    chromium_cdp& operator=(const chromium_cdp&) = delete;
    ~chromium_cdp() { shutdown(); }

    /// Starts /usr/bin/chromium headless with a fresh profile in `user_data_dir`.
    bool start(const std::string& user_data_dir) {
        int to_child[2];
        int from_child[2];
        if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
            return false;
        }
        std::vector<std::string> args = {"/usr/bin/chromium",
                                         "--headless",
                                         "--no-sandbox",
                                         "--disable-gpu",
                                         "--no-first-run",
                                         "--disable-background-networking",
                                         "--disable-component-update",
                                         "--disable-sync",
                                         "--disable-dev-shm-usage",
                                         "--hide-scrollbars",
                                         "--window-size=1280,900",
                                         "--remote-debugging-pipe",
                                         "--user-data-dir=" + user_data_dir,
                                         "about:blank"};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        // Chromium's stderr goes to a file beside the profile, for diagnostics() on failure.
        stderr_path_ = user_data_dir + ".stderr";
        const int err =
            ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const pid_t pid = ::fork();
        if (pid < 0) {
            return false;
        }
        if (pid == 0) {
            // Child: only async-signal-safe calls until exec.
            ::dup2(to_child[0], 3);
            ::dup2(from_child[1], 4);
            const int devnull = ::open("/dev/null", O_RDWR);
            ::dup2(devnull, 0);
            ::dup2(devnull, 1);
            ::dup2(err >= 0 ? err : devnull, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (err >= 0) {
            ::close(err);
        }
        pid_ = pid;
        ::close(to_child[0]);
        ::close(from_child[1]);
        to_ = to_child[1];
        from_ = from_child[0];
        return true;
    }

    /// Sends one command and waits for its reply; returns the whole reply message.
    std::optional<std::string> call(std::string_view method, std::string_view params = "{}",
                                    std::string_view session = {},
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const int id = ++next_id_;
        std::string msg = "{\"id\":" + std::to_string(id) + ",\"method\":\"" + std::string(method) +
                          "\",\"params\":" + std::string(params);
        if (!session.empty()) {
            msg += ",\"sessionId\":\"" + std::string(session) + "\"";
        }
        msg += "}";
        msg.push_back('\0');
        std::string_view rest = msg;
        while (!rest.empty()) {
            const ssize_t n = ::write(to_, rest.data(), rest.size());
            if (n <= 0) {
                return std::nullopt;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            for (auto nul = in_.find('\0'); nul != std::string::npos; nul = in_.find('\0')) {
                std::string one = in_.substr(0, nul);
                in_.erase(0, nul + 1);
                if (id_of(one) == id) {
                    return one;
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            pollfd p{from_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            char buf[65536];
            const ssize_t n = ::read(from_, buf, sizeof buf);
            if (n <= 0) {
                return std::nullopt;
            }
            in_.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Whether the browser still runs (or how it ended) and the tail of its stderr: for the
    /// message of a failed call.
    std::string diagnostics() {
        std::string out;
        int status = 0;
        if (pid_ <= 0) {
            out = "chromium not started";
        } else if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            out = WIFEXITED(status)
                      ? "chromium exited with status " + std::to_string(WEXITSTATUS(status))
                      : "chromium killed by signal " + std::to_string(WTERMSIG(status));
            pid_ = -1;
        } else {
            out = "chromium still running";
        }
        std::string err;
        if (FILE* f = std::fopen(stderr_path_.c_str(), "rb")) {
            char buf[4096];
            std::size_t n = 0;
            while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
                err.append(buf, n);
            }
            std::fclose(f);
        }
        if (err.size() > 2000) {
            err.erase(0, err.size() - 2000);
        }
        return out + "; stderr (" + stderr_path_ + "): " + err;
    }

    /// A string found at `path` (JSON pointer) in a reply, e.g. "/result/sessionId".
    static std::optional<std::string> string_at(const std::string& reply, const char* path) {
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(reply).get(doc) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        std::string_view s;
        if (doc.at_pointer(path).get_string().get(s) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return std::string(s);
    }

    /// Closes the browser and reaps the process this object started.
    void shutdown() {
        if (pid_ <= 0) {
            if (to_ >= 0) {
                ::close(to_);
                ::close(from_);
                to_ = from_ = -1;
            }
            return;
        }
        (void)call("Browser.close", "{}", {}, std::chrono::seconds(5));
        ::close(to_);
        ::close(from_);
        to_ = from_ = -1;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pid_ = -1;
    }

  private:
    static int id_of(const std::string& msg) {
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(msg).get(doc) != simdjson::SUCCESS) {
            return -1;
        }
        std::int64_t id = -1;
        if (doc["id"].get_int64().get(id) != simdjson::SUCCESS) {
            return -1;
        }
        return static_cast<int>(id);
    }

    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    int next_id_ = 0;
    std::string in_;
    std::string stderr_path_;
};

/// Decodes standard base64 (the screenshot data); stops at the first character outside it.
inline std::string base64_decode(std::string_view in) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
        return -1;
    };
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : in) {
        const int v = val(c);
        if (v < 0) {
            break;
        }
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

} // namespace pulso::http::test
