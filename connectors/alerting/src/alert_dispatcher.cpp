#include "pulso/alerting/alert_dispatcher.h"

#include "http_post.h"
#include "pulso/alerting/alert_payload.h"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace pulso::alerting {

bool parse_webhook_format(std::string_view s, webhook_format& out) noexcept {
    if (s == "json") {
        out = webhook_format::json;
        return true;
    }
    if (s == "slack") {
        out = webhook_format::slack;
        return true;
    }
    return false;
}

namespace {

using clock = std::chrono::steady_clock;

millis wall_now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t ticks(clock::time_point t) noexcept {
    return t.time_since_epoch().count();
}
clock::time_point from_ticks(std::int64_t t) noexcept {
    return clock::time_point(clock::duration(t));
}

const char* parse_errc_name(parse_alert_errc e) noexcept {
    switch (e) {
    case parse_alert_errc::ok:
        return "ok";
    case parse_alert_errc::invalid_json:
        return "invalid JSON";
    case parse_alert_errc::missing_field:
        return "missing id/status/rule/severity/brand";
    case parse_alert_errc::bad_status:
        return "status is neither firing nor resolved";
    }
    return "?";
}

/// One POST waiting to be sent.
struct job {
    std::string body;
};

/// A firing alert as the Alertmanager sink re-sends it.
struct firing_alert {
    millis starts_at = 0;
    std::string am_object; ///< rendered postableAlert without endsAt
};

} // namespace

/// Shared state: the queues and the firing set are guarded by `mu`; counters are atomics
/// (relaxed: they are statistics, nothing is published through them).
struct alert_dispatcher::impl {
    struct sink {
        alert_sink which{};
        bool on = false;
        detail::http_url url;
        std::unique_ptr<boost::asio::ssl::context> tls; // https only; read by its sender
        std::string content_type;
        std::deque<job> queue;                                   // @locks mu
        std::condition_variable wake;                            // a job arrived or close() began
        detail::rate_limiter drop_log{std::chrono::seconds(10)}; // @locks mu
        std::thread thread;
        std::atomic<std::uint64_t> enqueued{0}, sent{0}, failed{0}, retried{0}, dropped{0},
            resends{0};
    };

    alert_sink_options opts;
    mutable std::mutex mu;
    sink sinks[2];
    std::unordered_map<std::string, firing_alert> firing; // @locks mu
    bool closing = false;                                 // @locks mu
    bool closed = false;                                  // @locks mu (owner only)
    /// False once close() had to give up a job. Relaxed: read after the senders are joined.
    std::atomic<bool> flushed{true};
    /// close()'s deadline in steady-clock ticks; max while running. Read by the senders
    /// without the lock to cut a request short (relaxed: a stale read only delays the cut by
    /// one 50 ms poll, and the value is also written under `mu` before the notify).
    std::atomic<std::int64_t> close_deadline{std::numeric_limits<std::int64_t>::max()};
    std::atomic<std::uint64_t> invalid{0};
    std::mutex parse_log_mu;
    detail::rate_limiter parse_log{std::chrono::seconds(10)}; // @locks parse_log_mu

    sink& at(alert_sink s) noexcept { return sinks[static_cast<int>(s)]; }
    const sink& at(alert_sink s) const noexcept { return sinks[static_cast<int>(s)]; }

    void push(sink& s, std::string body) { // @locks mu held
        if (s.queue.size() >= opts.queue_capacity) {
            s.queue.pop_front();
            s.dropped.fetch_add(1, std::memory_order_relaxed);
            std::uint64_t suppressed = 0;
            if (s.drop_log.allow(suppressed)) {
                spdlog::warn("alerting: {} queue full ({} jobs), dropped the oldest "
                             "({} dropped in all, {} drop messages suppressed)",
                             alert_sink_name(s.which), opts.queue_capacity,
                             s.dropped.load(std::memory_order_relaxed), suppressed);
            }
        }
        s.queue.push_back(job{std::move(body)});
        s.enqueued.fetch_add(1, std::memory_order_relaxed);
    }

    /// An https sink verifies its server (opts.ca_file or the system trust store).
    void set_up_tls(sink& s, const char* name) {
        if (!s.url.tls) {
            return;
        }
        try {
            s.tls = detail::make_tls_context(opts.ca_file);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(std::string("alerting: ") + name + " url: " + e.what());
        }
    }

    /// Queues the Alertmanager request for one alert transition and keeps the firing set (the
    /// resend set) in step: a firing alert joins or refreshes it, a resolved one leaves it.
    void queue_alertmanager(const alert_fields& a, millis now) { // @locks mu held
        sink& am = at(alert_sink::alertmanager);
        auto it = firing.find(a.id);
        const millis starts = it != firing.end() ? it->second.starts_at : now;
        std::string body = "[";
        if (a.firing) {
            std::string obj = render_alertmanager_alert(a, starts, 0, opts.external_url);
            body += obj;
            if (it != firing.end()) {
                it->second.am_object = std::move(obj);
            } else {
                firing.emplace(a.id, firing_alert{starts, std::move(obj)});
            }
        } else {
            body += render_alertmanager_alert(a, starts, now, opts.external_url);
            if (it != firing.end()) {
                firing.erase(it);
            }
        }
        body += ']';
        push(am, std::move(body));
        am.wake.notify_one();
    }

    [[nodiscard]] bool past_close_deadline() const noexcept {
        return ticks(clock::now()) >= close_deadline.load(std::memory_order_relaxed);
    }

    /// Sleeps until `until` or close()'s deadline, whichever is first. Returns false when the
    /// close deadline cut the sleep.
    bool sleep_until(sink& s, clock::time_point until) {
        std::unique_lock lk(mu);
        for (;;) {
            const auto hard = from_ticks(close_deadline.load(std::memory_order_relaxed));
            if (clock::now() >= hard) {
                return false;
            }
            if (clock::now() >= until) {
                return true;
            }
            s.wake.wait_until(lk, std::min(until, hard));
        }
    }

    std::chrono::milliseconds backoff(int attempt, std::mt19937_64& rng) const {
        const double base = static_cast<double>(opts.backoff_base.count());
        const double cap = static_cast<double>(opts.backoff_max.count());
        const double d = std::min(cap, base * static_cast<double>(1ULL << std::min(attempt, 30)));
        const double j = std::clamp(opts.jitter, 0.0, 1.0);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        return std::chrono::milliseconds(static_cast<std::int64_t>(d * (1.0 - j * u(rng))));
    }

    detail::http_result post_once(sink& s, boost::asio::io_context& io, std::string_view body) {
        const auto hard = from_ticks(close_deadline.load(std::memory_order_relaxed));
        const auto deadline = std::min(clock::now() + opts.timeout, hard);
        return detail::http_post(io, s.url, s.tls.get(), s.content_type, body, deadline,
                                 [this] { return past_close_deadline(); });
    }

    static bool retriable(const detail::http_result& r) noexcept {
        return r.status == 0 || r.status >= 500 || r.status == 408 || r.status == 429;
    }

    void log_failure(sink& s, detail::rate_limiter& lim, const detail::http_result& r,
                     bool giving_up) {
        std::uint64_t suppressed = 0;
        if (!lim.allow(suppressed)) {
            return;
        }
        const std::string what = r.status == 0 ? r.error : fmt::format("HTTP {}", r.status);
        spdlog::warn("alerting: POST to {} {}: {}{} ({} similar messages suppressed)",
                     alert_sink_name(s.which), s.url.host_header + s.url.target, what,
                     giving_up ? ", giving up on this job" : ", will retry", suppressed);
    }

    /// Sends one job with retries; counts the outcome.
    void deliver(sink& s, boost::asio::io_context& io, const job& j, std::mt19937_64& rng,
                 detail::rate_limiter& lim) {
        for (int attempt = 0;; ++attempt) {
            const detail::http_result r = post_once(s, io, j.body);
            if (r.status >= 200 && r.status < 300) {
                s.sent.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            const bool give_up =
                !retriable(r) || attempt >= opts.max_retries || past_close_deadline();
            log_failure(s, lim, r, give_up);
            if (give_up) {
                s.failed.fetch_add(1, std::memory_order_relaxed);
                if (past_close_deadline()) {
                    flushed.store(false, std::memory_order_relaxed);
                }
                return;
            }
            if (!sleep_until(s, clock::now() + backoff(attempt, rng))) {
                s.failed.fetch_add(1, std::memory_order_relaxed);
                flushed.store(false, std::memory_order_relaxed);
                return;
            }
            s.retried.fetch_add(1, std::memory_order_relaxed);
        }
    }

    /// Sender thread body: drain the queue, re-send the firing set when due, exit on close.
    void run(sink& s) noexcept {
        try {
            boost::asio::io_context io;
            std::mt19937_64 rng(std::random_device{}() ^
                                static_cast<std::uint64_t>(ticks(clock::now())));
            detail::rate_limiter error_log{std::chrono::seconds(10)};
            const bool does_resend = s.which == alert_sink::alertmanager;
            auto next_resend = clock::now() + opts.resend_interval;
            std::unique_lock lk(mu);
            for (;;) {
                if (closing && (s.queue.empty() || past_close_deadline())) {
                    if (!s.queue.empty()) {
                        flushed.store(false, std::memory_order_relaxed);
                        s.failed.fetch_add(s.queue.size(), std::memory_order_relaxed);
                        s.queue.clear();
                    }
                    return;
                }
                if (!s.queue.empty()) {
                    job j = std::move(s.queue.front());
                    s.queue.pop_front();
                    lk.unlock();
                    deliver(s, io, j, rng, error_log);
                    lk.lock();
                    continue;
                }
                if (does_resend && !closing && clock::now() >= next_resend) {
                    next_resend = clock::now() + opts.resend_interval;
                    if (firing.empty()) {
                        continue;
                    }
                    // The queue is empty here, so every transition emitted before this
                    // snapshot has already been sent: a resend never overtakes a resolve.
                    std::string batch = "[";
                    for (const auto& [id, f] : firing) {
                        if (batch.size() > 1) {
                            batch += ',';
                        }
                        batch += f.am_object;
                    }
                    batch += ']';
                    lk.unlock();
                    s.resends.fetch_add(1, std::memory_order_relaxed);
                    const detail::http_result r = post_once(s, io, batch);
                    if (r.status >= 200 && r.status < 300) {
                        s.sent.fetch_add(1, std::memory_order_relaxed);
                    } else {
                        // No retry: the next resend comes anyway.
                        s.failed.fetch_add(1, std::memory_order_relaxed);
                        log_failure(s, error_log, r, true);
                    }
                    lk.lock();
                    continue;
                }
                if (does_resend) {
                    s.wake.wait_until(lk, next_resend);
                } else {
                    s.wake.wait(lk);
                }
            }
        } catch (const std::exception& e) {
            // Only allocation failure can get here; the sink stops, the engine goes on.
            spdlog::error("alerting: {} sender stopped: {}", alert_sink_name(s.which), e.what());
        }
    }
};

alert_dispatcher::alert_dispatcher(alert_sink_options opts) : impl_(std::make_unique<impl>()) {
    impl& m = *impl_;
    if (opts.queue_capacity == 0) {
        throw std::invalid_argument("alerting: queue_capacity must be at least 1");
    }
    if (opts.resend_interval <= std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("alerting: resend_interval must be positive");
    }
    if (opts.max_retries < 0) {
        throw std::invalid_argument("alerting: max_retries must not be negative");
    }
    m.opts = std::move(opts);
    m.sinks[0].which = alert_sink::alertmanager;
    m.sinks[1].which = alert_sink::webhook;
    if (!m.opts.alertmanager_url.empty()) {
        impl::sink& s = m.at(alert_sink::alertmanager);
        if (auto err = detail::parse_http_url(m.opts.alertmanager_url, s.url); !err.empty()) {
            throw std::invalid_argument("alerting: alertmanager url '" + m.opts.alertmanager_url +
                                        "': " + err);
        }
        while (!s.url.target.empty() && s.url.target.back() == '/') {
            s.url.target.pop_back();
        }
        s.url.target += "/api/v2/alerts";
        s.content_type = "application/json";
        m.set_up_tls(s, "alertmanager");
        s.on = true;
    }
    if (!m.opts.webhook_url.empty()) {
        impl::sink& s = m.at(alert_sink::webhook);
        if (auto err = detail::parse_http_url(m.opts.webhook_url, s.url); !err.empty()) {
            throw std::invalid_argument("alerting: webhook url '" + m.opts.webhook_url +
                                        "': " + err);
        }
        s.content_type = "application/json";
        m.set_up_tls(s, "webhook");
        s.on = true;
    }
    for (impl::sink& s : m.sinks) {
        if (s.on) {
            s.thread = std::thread([&m, &s] { m.run(s); });
        }
    }
}

alert_dispatcher::~alert_dispatcher() {
    close(std::chrono::milliseconds::zero());
}

void alert_dispatcher::emit(record_kind kind, std::string_view /*key*/,
                            std::string_view json) noexcept {
    if (kind != record_kind::alert) {
        return;
    }
    impl& m = *impl_;
    try {
        alert_fields a;
        if (const parse_alert_errc rc = parse_alert_record(json, a); rc != parse_alert_errc::ok) {
            m.invalid.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard lk(m.parse_log_mu);
            std::uint64_t suppressed = 0;
            if (m.parse_log.allow(suppressed)) {
                spdlog::warn("alerting: unreadable alert record ({}), not sent; {} more "
                             "suppressed",
                             parse_errc_name(rc), suppressed);
            }
            return;
        }
        const millis now = wall_now_ms();
        impl::sink& am = m.at(alert_sink::alertmanager);
        impl::sink& wh = m.at(alert_sink::webhook);
        std::string wh_body;
        if (wh.on) {
            wh_body = m.opts.format == webhook_format::slack ? render_slack_message(a)
                                                             : std::string(json);
        }
        std::lock_guard lk(m.mu);
        if (m.closing) {
            for (impl::sink* s : {&am, &wh}) {
                if (s->on) {
                    s->dropped.fetch_add(1, std::memory_order_relaxed);
                }
            }
            return;
        }
        if (am.on) {
            m.queue_alertmanager(a, now);
        }
        if (wh.on) {
            m.push(wh, std::move(wh_body));
            wh.wake.notify_one();
        }
    } catch (const std::exception& e) {
        // Allocation failure only: lose this alert, keep the publisher running.
        m.invalid.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("alerting: emit failed: {}", e.what());
    }
}

bool alert_dispatcher::restore_firing(std::string_view json) noexcept {
    impl& m = *impl_;
    try {
        alert_fields a;
        if (parse_alert_record(json, a) != parse_alert_errc::ok || !a.firing) {
            m.invalid.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        std::lock_guard lk(m.mu);
        if (m.closing || !m.at(alert_sink::alertmanager).on) {
            return false;
        }
        m.queue_alertmanager(a, wall_now_ms());
        return true;
    } catch (const std::exception& e) {
        m.invalid.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("alerting: restoring a firing alert failed: {}", e.what());
        return false;
    }
}

bool alert_dispatcher::close(std::chrono::milliseconds timeout) {
    impl& m = *impl_;
    {
        std::lock_guard lk(m.mu);
        if (m.closed) {
            return m.flushed.load(std::memory_order_relaxed);
        }
        m.closed = true;
        m.closing = true;
        m.close_deadline.store(ticks(clock::now() + timeout), std::memory_order_relaxed);
        for (impl::sink& s : m.sinks) {
            s.wake.notify_all();
        }
    }
    for (impl::sink& s : m.sinks) {
        if (s.thread.joinable()) {
            s.thread.join();
        }
    }
    return m.flushed.load(std::memory_order_relaxed);
}

bool alert_dispatcher::enabled(alert_sink s) const noexcept {
    return impl_->at(s).on;
}

alert_sink_stats alert_dispatcher::stats(alert_sink s) const noexcept {
    const impl::sink& k = impl_->at(s);
    alert_sink_stats r;
    r.enqueued = k.enqueued.load(std::memory_order_relaxed);
    r.sent = k.sent.load(std::memory_order_relaxed);
    r.failed = k.failed.load(std::memory_order_relaxed);
    r.retried = k.retried.load(std::memory_order_relaxed);
    r.dropped = k.dropped.load(std::memory_order_relaxed);
    r.resends = k.resends.load(std::memory_order_relaxed);
    return r;
}

std::size_t alert_dispatcher::queue_depth(alert_sink s) const noexcept {
    std::lock_guard lk(impl_->mu);
    return impl_->at(s).queue.size();
}

std::size_t alert_dispatcher::firing_count() const noexcept {
    std::lock_guard lk(impl_->mu);
    return impl_->firing.size();
}

std::uint64_t alert_dispatcher::invalid_records() const noexcept {
    return impl_->invalid.load(std::memory_order_relaxed);
}

} // namespace pulso::alerting
