#include "pulso/http/history.h"

#include "pulso/core/json_writer.h"
#include "pulso/http/metrics.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace pulso::http {

// ---------------------------------------------------------------- history_subscription

void history_subscription::set_notify(std::function<void()> fn) {
    const std::lock_guard lock(mu_);
    notify_ = std::move(fn);
}

bool history_subscription::take(std::string& out) {
    const std::lock_guard lock(mu_);
    if (out.empty()) {
        out.swap(queue_); // hands the buffer over: no copy, capacities circulate
    } else {
        out.append(queue_);
    }
    queue_.clear();
    return !overflow_;
}

bool history_subscription::push(std::string_view frame) {
    const std::lock_guard lock(mu_);
    if (overflow_) {
        return false;
    }
    if (queue_.size() + frame.size() > max_bytes_) {
        overflow_ = true;
        queue_.clear();
        queue_.shrink_to_fit();
        if (notify_) {
            notify_();
        }
        return false;
    }
    const bool was_empty = queue_.empty();
    queue_.append(frame);
    high_water_ = std::max(high_water_, queue_.size());
    if (was_empty && notify_) {
        notify_();
    }
    return true;
}

bool history_subscription::overflowed() const {
    const std::lock_guard lock(mu_);
    return overflow_;
}

std::size_t history_subscription::queued_bytes() const {
    const std::lock_guard lock(mu_);
    return queue_.size();
}

std::size_t history_subscription::high_water_bytes() const {
    const std::lock_guard lock(mu_);
    return high_water_;
}

// ---------------------------------------------------------------- record fields

namespace {

constexpr std::size_t k_max_firing_tracked = 10'000;
constexpr std::size_t k_max_brands_tracked = 10'000;
/// Bookkeeping bytes charged per record on top of its JSON and brand.
constexpr std::size_t k_entry_overhead = 96;

/// The fields of a record that the API filters on and the metrics need.
struct record_fields {
    std::string brand; ///< brand, or a trend's scope
    std::string id;
    std::string rule;
    std::string severity;
    millis window_start = 0;
    millis window_end = 0;
    bool firing = false;
    std::uint64_t mentions = 0;
    std::uint64_t negative = 0;
};

bool read_time(simdjson::ondemand::value v, millis& out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
        return false;
    }
    return parse_rfc3339(s, out) == time_errc::ok;
}

bool read_string(simdjson::ondemand::value v, std::string& out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
        return false;
    }
    out.assign(s);
    return true;
}

/// Parses the fields of one window, trend or alert record (CONTRACT §5). False when a needed
/// field is missing or malformed.
bool parse_fields(simdjson::ondemand::parser& parser, std::string& buf, record_kind kind,
                  std::string_view json, record_fields& f) {
    buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buf.assign(json);
    simdjson::ondemand::document doc;
    if (parser.iterate(buf.data(), buf.size(), buf.capacity()).get(doc) != simdjson::SUCCESS) {
        return false;
    }
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
        return false;
    }
    bool have_brand = false;
    bool have_start = false;
    bool have_end = false;
    bool have_status = kind != record_kind::alert;
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
            return false;
        }
        simdjson::ondemand::value v;
        if (field.value().get(v) != simdjson::SUCCESS) {
            return false;
        }
        if (key == "window_start") {
            have_start = read_time(v, f.window_start);
        } else if (key == "window_end") {
            have_end = read_time(v, f.window_end);
        } else if ((key == "brand" && kind != record_kind::trend) ||
                   (key == "scope" && kind == record_kind::trend)) {
            have_brand = read_string(v, f.brand);
        } else if (kind == record_kind::alert && key == "id") {
            (void)read_string(v, f.id);
        } else if (kind == record_kind::alert && key == "rule") {
            (void)read_string(v, f.rule);
        } else if (kind == record_kind::alert && key == "severity") {
            (void)read_string(v, f.severity);
        } else if (kind == record_kind::alert && key == "status") {
            std::string_view s;
            have_status = v.get_string().get(s) == simdjson::SUCCESS;
            f.firing = s == "firing";
        } else if (kind == record_kind::window && key == "mentions") {
            if (v.get_uint64().get(f.mentions) != simdjson::SUCCESS) {
                return false;
            }
        } else if (kind == record_kind::window && key == "sentiment") {
            simdjson::ondemand::object sent;
            if (v.get_object().get(sent) == simdjson::SUCCESS) {
                for (auto sf : sent) {
                    std::string_view sk;
                    if (sf.unescaped_key().get(sk) == simdjson::SUCCESS && sk == "negative") {
                        if (sf.value().get_uint64().get(f.negative) != simdjson::SUCCESS) {
                            return false;
                        }
                    }
                }
            }
        }
    }
    if (kind == record_kind::alert && f.id.empty()) {
        // Ids are deterministic per episode (CONTRACT §5); fall back to brand/rule/start.
        f.id = f.brand + '/' + f.rule + '/' + std::to_string(f.window_start);
    }
    return have_brand && have_start && have_end && have_status;
}

std::string_view event_name(record_kind k) {
    switch (k) {
    case record_kind::window:
        return "window";
    case record_kind::trend:
        return "trend";
    case record_kind::alert:
        return "alert";
    case record_kind::dead_letter:
        break;
    }
    return "dead_letter";
}

millis wall_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Single-thread parse state of the publisher (emit is @thread publisher).
struct parse_state {
    simdjson::ondemand::parser parser;
    std::string buf;
};

parse_state& publisher_parse_state() {
    // One per thread: emit() runs on the publisher thread, so this is one parser in practice;
    // thread_local keeps a second emitting thread (tests) from sharing it.
    thread_local parse_state ps;
    return ps;
}

} // namespace

// ---------------------------------------------------------------- history

history::history(history_options opts, record_sink* inner, metrics* m)
    : opts_(opts), inner_(inner), metrics_(m) {}

void history::emit(record_kind kind, std::string_view key, std::string_view json) {
    if (inner_ != nullptr) {
        inner_->emit(kind, key, json);
    }
    if (kind == record_kind::dead_letter) {
        return;
    }
    record_fields f;
    parse_state& ps = publisher_parse_state();
    if (!parse_fields(ps.parser, ps.buf, kind, json, f)) {
        const std::lock_guard lock(mu_);
        ++counts_.parse_errors;
        return;
    }

    bool newly_firing = false;
    {
        const std::lock_guard lock(mu_);
        entry e;
        e.kind = kind;
        e.json.assign(json);
        e.brand = f.brand;
        e.window_start = f.window_start;
        e.window_end = f.window_end;
        e.bytes = json.size() + f.brand.size() + k_entry_overhead;
        bytes_ += e.bytes;
        ++seq_;

        switch (kind) {
        case record_kind::window:
            ++counts_.windows;
            if (latest_window_.size() < k_max_brands_tracked ||
                latest_window_.find(f.brand) != latest_window_.end()) {
                latest_window_[f.brand] = e.json;
            }
            break;
        case record_kind::trend:
            ++counts_.trends;
            latest_trend_start_ = std::max(latest_trend_start_, f.window_start);
            break;
        case record_kind::alert:
            ++counts_.alerts;
            if (f.firing) {
                auto it = firing_.find(f.id);
                newly_firing = it == firing_.end();
                if (newly_firing && firing_.size() >= k_max_firing_tracked) {
                    auto oldest = std::min_element(
                        firing_.begin(), firing_.end(),
                        [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
                    firing_.erase(oldest);
                }
                firing_[f.id] = alert_state{e.json, seq_};
            } else {
                firing_.erase(f.id);
            }
            break;
        case record_kind::dead_letter:
            break;
        }
        newest_end_ = std::max(newest_end_, f.window_end);
        records_.push_back(std::move(e));
        evict_locked();

        frame_.clear();
        frame_.append("event: ").append(event_name(kind)).append("\ndata: ");
        frame_.append(json).append("\n\n");
        for (auto it = subscribers_.begin(); it != subscribers_.end();) {
            auto sub = it->lock();
            if (!sub) {
                it = subscribers_.erase(it);
                continue;
            }
            const bool was_overflowed = sub->overflowed();
            if (!sub->push(frame_) && !was_overflowed) {
                ++counts_.subscribers_overflowed;
            }
            ++it;
        }
    }

    if (metrics_ != nullptr) {
        if (kind == record_kind::window) {
            if (f.brand == "*") {
                // One `*` record per window: the publish delay is observed once per window.
                metrics_->observe_publish_delay(static_cast<double>(wall_now() - f.window_end) /
                                                1000.0);
            } else {
                metrics_->observe_window(f.brand, f.mentions, f.negative);
            }
        } else if (kind == record_kind::alert) {
            metrics_->observe_alert(f.brand, f.rule, f.severity, f.firing, newly_firing);
        }
    }
}

bool history::restore_firing(std::string_view json) {
    record_fields f;
    parse_state& ps = publisher_parse_state();
    if (!parse_fields(ps.parser, ps.buf, record_kind::alert, json, f) || !f.firing) {
        const std::lock_guard lock(mu_);
        ++counts_.parse_errors;
        return false;
    }
    {
        const std::lock_guard lock(mu_);
        if (firing_.find(f.id) == firing_.end() && firing_.size() >= k_max_firing_tracked) {
            return false;
        }
        firing_[f.id] = alert_state{std::string(json), ++seq_};
    }
    if (metrics_ != nullptr) {
        metrics_->observe_alert(f.brand, f.rule, f.severity, true, false);
    }
    return true;
}

void history::evict_locked() {
    while (!records_.empty()) {
        const entry& front = records_.front();
        const bool too_old = front.window_end + opts_.retention < newest_end_;
        if (!too_old && bytes_ <= opts_.max_bytes) {
            break;
        }
        bytes_ -= front.bytes;
        ++counts_.evicted;
        records_.pop_front();
    }
}

std::string history::windows_json(std::string_view brand, millis since, millis until,
                                  std::size_t limit) const {
    std::string out = "[";
    const std::lock_guard lock(mu_);
    std::vector<const entry*> picked;
    for (auto it = records_.rbegin(); it != records_.rend() && picked.size() < limit; ++it) {
        if (it->kind != record_kind::window) {
            continue;
        }
        if (!brand.empty() && it->brand != brand) {
            continue;
        }
        if (it->window_start < since || it->window_start >= until) {
            continue;
        }
        picked.push_back(&*it);
    }
    for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        out.append((*it)->json);
    }
    out.push_back(']');
    return out;
}

std::string history::trends_json(std::optional<millis> since) const {
    std::string out = "[";
    const std::lock_guard lock(mu_);
    for (const entry& e : records_) {
        if (e.kind != record_kind::trend) {
            continue;
        }
        const bool take = since ? e.window_start >= *since : e.window_start == latest_trend_start_;
        if (!take) {
            continue;
        }
        if (out.size() > 1) {
            out.push_back(',');
        }
        out.append(e.json);
    }
    out.push_back(']');
    return out;
}

std::string history::alerts_json(bool firing_only) const {
    std::string out = "[";
    const std::lock_guard lock(mu_);
    if (firing_only) {
        std::vector<const alert_state*> v;
        v.reserve(firing_.size());
        for (const auto& [id, st] : firing_) {
            v.push_back(&st);
        }
        std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
        for (const alert_state* st : v) {
            if (out.size() > 1) {
                out.push_back(',');
            }
            out.append(st->json);
        }
    } else {
        for (const entry& e : records_) {
            if (e.kind != record_kind::alert) {
                continue;
            }
            if (out.size() > 1) {
                out.push_back(',');
            }
            out.append(e.json);
        }
    }
    out.push_back(']');
    return out;
}

std::string history::brands_json(const std::vector<std::string>& brands) const {
    std::string out;
    json_writer j(out);
    j.begin_array();
    const std::lock_guard lock(mu_);
    auto one = [&](std::string_view b) {
        j.begin_object().key("brand").value(b).key("latest_window");
        auto it = latest_window_.find(b);
        if (it == latest_window_.end()) {
            j.null();
        } else {
            j.raw_value(it->second);
        }
        j.end_object();
    };
    if (brands.empty()) {
        for (const auto& [b, json] : latest_window_) {
            if (b != "*") {
                one(b);
            }
        }
    } else {
        for (const auto& b : brands) {
            one(b);
        }
    }
    j.end_array();
    return out;
}

std::shared_ptr<history_subscription> history::subscribe() {
    auto sub = std::make_shared<history_subscription>(opts_.subscriber_queue_bytes);
    const std::lock_guard lock(mu_);
    subscribers_.push_back(sub);
    return sub;
}

history_stats history::stats() const {
    const std::lock_guard lock(mu_);
    history_stats s = counts_;
    s.records = records_.size();
    s.bytes = bytes_;
    s.firing = firing_.size();
    s.subscribers = static_cast<std::uint64_t>(std::count_if(
        subscribers_.begin(), subscribers_.end(), [](const auto& w) { return !w.expired(); }));
    return s;
}

} // namespace pulso::http
