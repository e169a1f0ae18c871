#include "pulso/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace pulso {

namespace {

// Built with append(): GCC 12 reports a false -Wrestrict on long operator+ chains.
std::string error_line(const std::string& file, int line, const std::string& key,
                       const std::string& msg) {
    std::string s = file;
    if (line > 0) {
        s.append(":").append(std::to_string(line));
    }
    if (!key.empty()) {
        s.append(": ").append(key);
    }
    s.append(": ").append(msg);
    return s;
}

} // namespace

config_error::config_error(std::string file, int line, std::string key, const std::string& msg)
    : std::runtime_error(error_line(file, line, key, msg)), file_(std::move(file)), line_(line),
      key_(std::move(key)) {}

namespace {

/// A setting's parser: takes the scalar text, returns an error message or empty on success.
using setter = std::function<std::string(config&, const std::string&)>;
using getter = std::function<std::string(const config&)>;

struct setting_row {
    setting_info info;
    setter set;
    getter get;
};

std::string set_duration(millis& dst, const std::string& v, millis min, millis max) {
    const auto d = parse_duration(v);
    if (!d) {
        return "expected a duration like 30s, 5m or 1h, got '" + v + "'";
    }
    if (*d < min || *d > max) {
        return "must be between " + format_duration(min) + " and " + format_duration(max) +
               ", got " + v;
    }
    dst = *d;
    return {};
}

std::string set_int(std::int64_t& dst, const std::string& v, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size()) {
        return "expected an integer, got '" + v + "'";
    }
    if (n < min || n > max) {
        return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
               v;
    }
    dst = n;
    return {};
}

std::string set_number(double& dst, const std::string& v, double min, double max) {
    double n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size()) {
        return "expected a number, got '" + v + "'";
    }
    if (!(n >= min && n <= max)) {
        std::ostringstream os;
        os << "must be between " << min << " and " << max << ", got " << v;
        return os.str();
    }
    dst = n;
    return {};
}

std::string format_number(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

std::string set_bool(bool& dst, const std::string& v) {
    if (v == "true") {
        dst = true;
        return {};
    }
    if (v == "false") {
        dst = false;
        return {};
    }
    return "expected true or false, got '" + v + "'";
}

std::string set_string(std::string& dst, const std::string& v, bool allow_empty = false) {
    if (v.empty() && !allow_empty) {
        return "must not be empty";
    }
    dst = v;
    return {};
}

std::string set_choice(std::string& dst, const std::string& v,
                       std::initializer_list<std::string_view> choices) {
    for (auto c : choices) {
        if (v == c) {
            dst = v;
            return {};
        }
    }
    std::string list;
    for (auto c : choices) {
        list += (list.empty() ? "" : ", ") + std::string(c);
    }
    return "must be one of " + list + ", got '" + v + "'";
}

constexpr millis k_day = 86'400'000;

#define PULSO_DURATION(path, member, min, max, reload, desc)                                       \
    setting_row {                                                                                  \
        {path, "duration", desc, reload},                                                          \
            [](config& c, const std::string& v) { return set_duration(c.member, v, min, max); },   \
            [](const config& c) { return format_duration(c.member); }                              \
    }
#define PULSO_INT(path, member, min, max, reload, desc)                                            \
    setting_row {                                                                                  \
        {path, "integer", desc, reload},                                                           \
            [](config& c, const std::string& v) { return set_int(c.member, v, min, max); },        \
            [](const config& c) { return std::to_string(c.member); }                               \
    }
#define PULSO_NUMBER(path, member, min, max, reload, desc)                                         \
    setting_row {                                                                                  \
        {path, "number", desc, reload},                                                            \
            [](config& c, const std::string& v) { return set_number(c.member, v, min, max); },     \
            [](const config& c) { return format_number(c.member); }                                \
    }
#define PULSO_BOOL(path, member, reload, desc)                                                     \
    setting_row {                                                                                  \
        {path, "bool", desc, reload},                                                              \
            [](config& c, const std::string& v) { return set_bool(c.member, v); },                 \
            [](const config& c) { return std::string(c.member ? "true" : "false"); }               \
    }
#define PULSO_RULE(name, member, what)                                                             \
    PULSO_BOOL("detect." name ".enabled", detect.member.enabled, true,                             \
               "Whether the " name " rule runs."),                                                 \
        PULSO_NUMBER("detect." name ".factor", detect.member.factor, 1.0, 1e6, true,               \
                     "Relative gate: " what " must reach this multiple of its baseline."),         \
        PULSO_INT("detect." name ".min_count", detect.member.min_count, 0, 1'000'000'000, true,    \
                  "Absolute floor: " name " needs at least this many mentions of its kind in "     \
                  "the window."),                                                                  \
        PULSO_INT("detect." name ".min_authors", detect.member.min_authors, 0, 1'000'000'000,      \
                  true,                                                                            \
                  "Minimum distinct authors in the brand's window (one author spamming is "        \
                  "not a crowd)."),                                                                \
        PULSO_NUMBER("detect." name ".z", detect.member.z, 0.0, 1e6, true,                         \
                     "Minimum score (Poisson/Anscombe z for spikes, binomial z for share)."),      \
        PULSO_INT("detect." name ".persistence", detect.member.persistence, 1, 1000, true,         \
                  "Consecutive windows the condition must hold before firing."),                   \
        PULSO_NUMBER("detect." name ".resolve_factor", detect.member.resolve_factor, 0.0, 1e6,     \
                     true,                                                                         \
                     "Hysteresis: the alert holds while " what " stays at or above this "          \
                     "multiple of its baseline (and the floor)."),                                 \
        PULSO_INT("detect." name ".resolve_windows", detect.member.resolve_windows, 1, 1000, true, \
                  "Windows below the hold threshold before the alert resolves."),                  \
        PULSO_INT("detect." name ".cooldown_windows", detect.member.cooldown_windows, 0, 100000,   \
                  true,                                                                            \
                  "Windows after resolving during which the rule does not fire again for "         \
                  "the brand."),                                                                   \
        PULSO_NUMBER("detect." name ".critical_factor", detect.member.critical_factor, 1.0, 1e6,   \
                     true, "Severity critical at this multiple of the baseline (else warning)."),  \
        PULSO_NUMBER("detect." name ".critical_z", detect.member.critical_z, 0.0, 1e6, true,       \
                     "Severity critical at this score too.")

#define PULSO_STRING(path, member, allow_empty, reload, desc)                                      \
    setting_row {                                                                                  \
        {path, "string", desc, reload},                                                            \
            [](config& c, const std::string& v) { return set_string(c.member, v, allow_empty); },  \
            [](const config& c) { return c.member; }                                               \
    }

const std::vector<setting_row>& rows() {
    static const std::vector<setting_row> table = {
        PULSO_DURATION("windows.size", windows.size, 1000, k_day, false,
                       "Window length; windows are aligned to the Unix epoch."),
        PULSO_DURATION("windows.slide", windows.slide, 1000, k_day, false,
                       "Window step; equal to size for tumbling windows, a divisor of size for "
                       "hopping windows. Defaults to windows.size."),
        PULSO_DURATION("windows.allowed_lateness", windows.allowed_lateness, 0, k_day, false,
                       "How long past its end (in watermark time) a window stays open."),
        PULSO_DURATION("watermark.max_out_of_order", watermark.max_out_of_order, 0, k_day, false,
                       "Watermark = greatest event time seen minus this."),
        PULSO_DURATION("watermark.idle_timeout", watermark.idle_timeout, 1000, k_day, false,
                       "A partition without records for this long (wall clock) stops holding "
                       "the watermark back."),
        PULSO_DURATION("dedupe.horizon", dedupe.horizon, 0, k_day, false,
                       "A mention whose id was accepted within this much event time on the same "
                       "partition is a duplicate."),
        PULSO_INT("ingest.max_record_bytes", ingest.max_record_bytes, 64, 64 << 20, false,
                  "Records larger than this are rejected as too_large."),
        PULSO_INT("ingest.max_text_bytes", ingest.max_text_bytes, 1, 16 << 20, false,
                  "A text longer than this is rejected as out_of_range (field text)."),
        PULSO_DURATION("ingest.max_future_skew", ingest.max_future_skew, 0, k_day, false,
                       "run mode: mentions further ahead of the wall clock are rejected as "
                       "future_timestamp."),
        PULSO_INT("ingest.workers", ingest.workers, 0, 256, false,
                  "Ingest worker threads; 0 means one per core."),
        PULSO_INT("detect.min_windows", detect.min_windows, 1, 100000, true,
                  "Windows of baseline a brand needs before any rule may fire for it."),
        PULSO_INT("detect.influencer_followers", detect.influencer_followers, 0,
                  std::int64_t{1} << 40, true,
                  "A negative mention from an author with at least this many followers raises "
                  "the influencer alert."),
        PULSO_NUMBER("detect.baseline_alpha", detect.baseline_alpha, 0.001, 1.0, true,
                     "EWMA weight of one window in a brand's baseline level (0.05: a memory of "
                     "about 20 windows)."),
        PULSO_NUMBER("detect.clip_sigma", detect.clip_sigma, 0.5, 100.0, true,
                     "Baseline updates are clipped at expected + clip_sigma × sqrt(expected) + 1, "
                     "so a spike does not drag the baseline up."),
        PULSO_INT("detect.score_windows", detect.score_windows, 1, 8, true,
                  "Windows in the sliding sum whose Anscombe z against the expected sum is the "
                  "spike score."),
        PULSO_NUMBER("detect.overdispersion", detect.overdispersion, 0.0, 10.0, true,
                     "Overdispersion allowance k: z = (A(observed) - A(expected)) / "
                     "sqrt(dispersion + k × expected), A(x) = 2·sqrt(x + 3/8)."),
        PULSO_NUMBER("detect.max_cluster_share", detect.max_cluster_share, 0.0, 1.0, true,
                     "When the largest repost/identical-text cluster holds more than this share "
                     "of a brand's window, volume_spike, negative_spike and negative_share do "
                     "not fire (one viral post is not a crowd)."),
        PULSO_INT("detect.freeze_max_windows", detect.freeze_max_windows, 1, 1'000'000, true,
                  "A baseline is frozen while its alert fires, for at most this many windows; "
                  "then it adapts to the new level."),
        PULSO_BOOL("detect.seasonality", detect.seasonality, false,
                   "Hour-of-week seasonality: expected = level × a factor learnt per hour of the "
                   "week."),
        PULSO_NUMBER("detect.seasonal_alpha", detect.seasonal_alpha, 0.0001, 1.0, false,
                     "Learning weight of one window in its hour-of-week factor."),
        PULSO_STRING("detect.state_file", detect.state_file, true, false,
                     "run and replay: the detector's baselines, trend maps and alert states are "
                     "restored from this file at start-up and saved to it (atomically) whenever "
                     "published windows are delivered and at exit, so a restart does not wait "
                     "detect.min_windows windows again. Empty: not kept."),
        PULSO_RULE("volume_spike", volume_spike, "the brand's mentions in the window"),
        PULSO_RULE("negative_spike", negative_spike, "the brand's negative mentions"),
        PULSO_RULE("negative_share", negative_share, "the share of negative mentions"),
        PULSO_NUMBER("detect.negative_share.min_delta", detect.negative_share.min_delta, 0.0, 1.0,
                     true, "negative_share also needs share - baseline share >= this (absolute)."),
        PULSO_BOOL("detect.influencer.enabled", detect.influencer.enabled, true,
                   "Whether the influencer rule runs."),
        PULSO_INT("detect.influencer.min_count", detect.influencer.min_count, 1, 5, true,
                  "Negative mentions from authors above detect.influencer_followers in a "
                  "brand's window needed to fire."),
        PULSO_INT("detect.influencer.critical_followers", detect.influencer.critical_followers, 0,
                  std::int64_t{1} << 40, true,
                  "An influencer alert is critical when the author has at least this many "
                  "followers."),
        PULSO_INT("detect.influencer.resolve_windows", detect.influencer.resolve_windows, 1, 1000,
                  true, "Windows without such a mention before the influencer alert resolves."),
        PULSO_INT("detect.influencer.cooldown_windows", detect.influencer.cooldown_windows, 0,
                  100000, true,
                  "Windows after resolving during which influencer does not fire again for the "
                  "brand."),
        PULSO_BOOL("detect.trends.enabled", detect.trends.enabled, true,
                   "Whether trend records are produced."),
        PULSO_BOOL("detect.trends.brands", detect.trends.brands, true,
                   "Trends per brand as well as for scope *."),
        PULSO_INT("detect.trends.top_n", detect.trends.top_n, 1, 1000, true,
                  "Trend records per scope, kind (hashtag, term) and window, at most."),
        PULSO_INT("detect.trends.min_count", detect.trends.min_count, 1, 1'000'000'000, true,
                  "An item needs at least this count in the window to trend."),
        PULSO_INT("detect.trends.min_authors", detect.trends.min_authors, 0, 1'000'000'000, true,
                  "An item needs this many distinct authors (approximated by the scope's "
                  "distinct authors in the window, capped by the item's count)."),
        PULSO_NUMBER("detect.trends.min_score", detect.trends.min_score, 1.0, 1e6, true,
                     "Minimum smoothed ratio (count + smoothing) / (baseline + smoothing)."),
        PULSO_NUMBER("detect.trends.min_z", detect.trends.min_z, 0.0, 1e6, true,
                     "Minimum Anscombe z of the count against the item's baseline."),
        PULSO_NUMBER("detect.trends.smoothing", detect.trends.smoothing, 0.01, 1e6, true,
                     "Additive smoothing of the trend ratio (keeps rare items from scoring "
                     "huge)."),
        PULSO_NUMBER("detect.trends.alpha", detect.trends.alpha, 0.001, 1.0, true,
                     "EWMA weight of one window in an item's baseline."),
        PULSO_INT("detect.trends.min_windows", detect.trends.min_windows, 1, 100000, true,
                  "Windows a scope needs before its items may trend."),
        PULSO_INT("detect.trends.max_items", detect.trends.max_items, 10, 1'000'000, true,
                  "Items tracked per scope and kind; the smallest baselines are evicted."),
        PULSO_STRING("kafka.brokers", kafka.brokers, false, false,
                     "Bootstrap servers (librdkafka bootstrap.servers)."),
        PULSO_STRING("kafka.topic", kafka.topic, false, false, "Topic of input mentions."),
        PULSO_STRING("kafka.group", kafka.group, false, false,
                     "Consumer group id; processes with the same group split the partitions."),
        PULSO_STRING("sinks.windows_topic", sinks.windows_topic, false, false,
                     "Topic for window records."),
        PULSO_STRING("sinks.trends_topic", sinks.trends_topic, false, false,
                     "Topic for trend records."),
        PULSO_STRING("sinks.alerts_topic", sinks.alerts_topic, false, false,
                     "Topic for alert records."),
        PULSO_STRING("sinks.dlq_topic", sinks.dlq_topic, false, false,
                     "Topic for dead-letter records."),
        PULSO_STRING("http.listen", http.listen, false, false,
                     "Address of the HTTP server (API, /metrics, page)."),
        PULSO_STRING("http.token", http.token, true, true,
                     "Bearer token required by POST endpoints; empty refuses them."),
        PULSO_STRING("alerting.alertmanager_url", alerting.alertmanager_url, true, false,
                     "Alertmanager base URL (http://host:9093 or https://…): alerts are posted to "
                     "its API v2, re-sent while firing and resolved with endsAt. Empty: off."),
        PULSO_STRING("alerting.webhook_url", alerting.webhook_url, true, false,
                     "A URL (http:// or https://) that receives every alert transition as a "
                     "POST. Empty: off."),
        setting_row{{"alerting.webhook_format", "string",
                     "json (the alert record as is) or slack ({\"text\": ...}, for "
                     "Slack-compatible incoming webhooks).",
                     false},
                    [](config& c, const std::string& v) {
                        return set_choice(c.alerting.webhook_format, v, {"json", "slack"});
                    },
                    [](const config& c) { return c.alerting.webhook_format; }},
        PULSO_DURATION("alerting.resend_interval", alerting.resend_interval, 1000, k_day, false,
                       "Firing alerts are re-sent to Alertmanager this often."),
        PULSO_STRING("alerting.external_url", alerting.external_url, true, false,
                     "Link put in alerts (generatorURL); empty: http://<http.listen>/."),
        PULSO_STRING("alerting.ca_file", alerting.ca_file, true, false,
                     "https alert sinks: PEM file of the CA(s) that sign the receivers' "
                     "certificates; empty: the system's trust store (ca-certificates). "
                     "Certificates and host names are always verified."),
        setting_row{
            {"log.level", "string", "trace, debug, info, warn or error.", true},
            [](config& c, const std::string& v) {
                return set_choice(c.log.level, v, {"trace", "debug", "info", "warn", "error"});
            },
            [](const config& c) { return c.log.level; }},
        setting_row{{"log.format", "string",
                     "auto (JSON lines unless stderr is a terminal), json or text.", true},
                    [](config& c, const std::string& v) {
                        return set_choice(c.log.format, v, {"auto", "json", "text"});
                    },
                    [](const config& c) { return c.log.format; }},
    };
    return table;
}

#undef PULSO_DURATION
#undef PULSO_INT
#undef PULSO_STRING
#undef PULSO_NUMBER
#undef PULSO_BOOL
#undef PULSO_RULE

const setting_row* find_row(std::string_view key) {
    for (const auto& r : rows()) {
        if (r.info.key == key) {
            return &r;
        }
    }
    return nullptr;
}

/// Levenshtein distance, for "did you mean" on unknown keys (short strings only).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

/// The candidate nearest to `word` when it is close (at most two edits, and fewer than half
/// of `word`'s letters), else empty.
std::string_view nearest(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string_view best;
    std::size_t best_d = std::min<std::size_t>(3, (word.size() + 1) / 2);
    for (const std::string_view k : candidates) {
        const std::size_t d = edit_distance(word, k);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best;
}

/// "unknown key", with the nearest known key of the same section when one is close:
/// `windowz` -> `windows`.
std::string unknown_key(const std::string& key) {
    const std::size_t dot = key.rfind('.');
    const std::string section = dot == std::string::npos ? "" : key.substr(0, dot + 1);
    std::vector<std::string_view> known;
    if (section.empty()) {
        known.emplace_back("brands");
    }
    for (const auto& r : rows()) {
        const std::string_view k = r.info.key;
        if (!k.starts_with(section)) {
            continue;
        }
        known.push_back(k.substr(section.size(), k.find('.', section.size()) - section.size()));
    }
    const std::string_view best = nearest(std::string_view(key).substr(section.size()), known);
    return best.empty() ? "unknown key"
                        : "unknown key (did you mean '" + section + std::string(best) + "'?)";
}

int line_of(const YAML::Node& n) {
    return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

std::string scalar_of(const YAML::Node& n, const std::string& file, const std::string& key) {
    if (!n.IsScalar()) {
        throw config_error(file, line_of(n), key, "expected a single value");
    }
    return n.Scalar();
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& file,
                                     const std::string& key) {
    std::vector<std::string> out;
    if (n.IsNull()) {
        return out;
    }
    if (n.IsScalar()) { // a single string is accepted as a list of one
        out.push_back(n.Scalar());
        return out;
    }
    if (!n.IsSequence()) {
        throw config_error(file, line_of(n), key, "expected a list of strings");
    }
    for (const auto& item : n) {
        if (!item.IsScalar() || item.Scalar().empty()) {
            throw config_error(file, line_of(item), key, "expected a non-empty string");
        }
        out.push_back(item.Scalar());
    }
    return out;
}

/// [a-z0-9_-]{1,64} (CONTRACT §2), without std::regex (GCC 12 warns falsely inside it under
/// ASan with -O2, and this is simpler).
bool valid_brand_name(std::string_view n) noexcept {
    return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    });
}

void load_brands(config& c, const YAML::Node& n, const std::string& file) {
    if (!n.IsSequence()) {
        throw config_error(file, line_of(n), "brands", "expected a list of brands");
    }
    std::set<std::string> seen;
    std::size_t index = 0;
    for (const auto& b : n) {
        const std::string where = "brands[" + std::to_string(index++) + "]";
        if (!b.IsMap()) {
            throw config_error(file, line_of(b), where,
                               "expected a mapping with name, keywords, …");
        }
        brand_rule rule;
        bool has_name = false;
        for (const auto& kv : b) {
            const std::string k = kv.first.Scalar();
            const std::string key = where + "." + k;
            if (k == "name") {
                rule.name = scalar_of(kv.second, file, key);
                if (!valid_brand_name(rule.name)) {
                    throw config_error(file, line_of(kv.second), key,
                                       "brand name must match [a-z0-9_-]{1,64}, got '" + rule.name +
                                           "'");
                }
                if (!seen.insert(rule.name).second) {
                    throw config_error(file, line_of(kv.second), key,
                                       "duplicate brand name '" + rule.name + "'");
                }
                has_name = true;
            } else if (k == "keywords") {
                rule.keywords = string_list(kv.second, file, key);
            } else if (k == "handles") {
                rule.handles = string_list(kv.second, file, key);
                for (const auto& h : rule.handles) {
                    if (h.size() < 2 || h[0] != '@') {
                        throw config_error(file, line_of(kv.second), key,
                                           "a handle starts with @, got '" + h + "'");
                    }
                }
            } else if (k == "hashtags") {
                rule.hashtags = string_list(kv.second, file, key);
                for (const auto& h : rule.hashtags) {
                    if (h.size() < 2 || h[0] != '#') {
                        throw config_error(file, line_of(kv.second), key,
                                           "a hashtag starts with #, got '" + h + "'");
                    }
                }
            } else if (k == "exclude") {
                rule.exclude = string_list(kv.second, file, key);
            } else {
                throw config_error(file, line_of(kv.first), key,
                                   "unknown key (expected name, keywords, handles, hashtags, "
                                   "exclude)");
            }
        }
        if (!has_name) {
            throw config_error(file, line_of(b), where + ".name", "missing brand name");
        }
        if (rule.keywords.empty() && rule.handles.empty() && rule.hashtags.empty()) {
            throw config_error(file, line_of(b), where,
                               "brand '" + rule.name + "' has no keywords, handles or hashtags");
        }
        c.brands.push_back(std::move(rule));
    }
}

void walk(config& c, const YAML::Node& node, const std::string& prefix, const std::string& file,
          bool& slide_set, std::map<std::string, int>& lines) {
    for (const auto& kv : node) {
        const std::string k = kv.first.Scalar();
        const std::string key = prefix.empty() ? k : prefix + "." + k;
        lines[key] = line_of(kv.first);
        if (key == "brands") {
            load_brands(c, kv.second, file);
            continue;
        }
        if (prefix == "kafka" && !find_row(key)) {
            // librdkafka pass-through, verbatim.
            c.kafka.properties[k] = scalar_of(kv.second, file, key);
            continue;
        }
        if (kv.second.IsMap()) {
            bool known_section = false;
            for (const auto& r : rows()) {
                if (r.info.key.substr(0, key.size() + 1) == key + ".") {
                    known_section = true;
                    break;
                }
            }
            if (!known_section) {
                throw config_error(file, line_of(kv.first), key, unknown_key(key));
            }
            walk(c, kv.second, key, file, slide_set, lines);
            continue;
        }
        const setting_row* row = find_row(key);
        if (row == nullptr) {
            throw config_error(file, line_of(kv.first), key, unknown_key(key));
        }
        const std::string err = row->set(c, scalar_of(kv.second, file, key));
        if (!err.empty()) {
            throw config_error(file, line_of(kv.second), key, err);
        }
        if (key == "windows.slide") {
            slide_set = true;
        }
    }
}

std::string env_name(std::string_view key) {
    std::string e = "PULSO_";
    for (char ch : key) {
        e.push_back(ch == '.' ? '_'
                              : static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    }
    return e;
}

void apply_env(config& c, bool& slide_set) {
    for (const auto& r : rows()) {
        const std::string name = env_name(r.info.key);
        if (const char* v = std::getenv(name.c_str())) {
            const std::string err = r.set(c, v);
            if (!err.empty()) {
                throw config_error("environment", 0, name, err);
            }
            if (r.info.key == "windows.slide") {
                slide_set = true;
            }
        }
    }
    // The brands list as YAML or JSON (`[{name: acme, keywords: [acme]}]`), replacing the
    // file's.
    if (const char* v = std::getenv("PULSO_BRANDS")) {
        YAML::Node n;
        try {
            n = YAML::Load(v);
        } catch (const YAML::Exception& e) {
            throw config_error("environment", 0, "PULSO_BRANDS", "invalid YAML: " + e.msg);
        }
        c.brands.clear();
        load_brands(c, n, "PULSO_BRANDS");
    }
    // librdkafka pass-through: `key=value` pairs separated by commas, added to kafka.*.
    if (const char* v = std::getenv("PULSO_KAFKA_PROPERTIES")) {
        std::string_view rest(v);
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            const std::string_view item = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            if (item.empty()) {
                continue;
            }
            const std::size_t eq = item.find('=');
            if (eq == std::string_view::npos || eq == 0) {
                throw config_error("environment", 0, "PULSO_KAFKA_PROPERTIES",
                                   "expected key=value[,key=value…], got '" + std::string(item) +
                                       "'");
            }
            c.kafka.properties[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
        }
    }
}

std::vector<std::string> environment_names() {
    std::vector<std::string> names = {"PULSO_BRANDS", "PULSO_KAFKA_PROPERTIES"};
    for (const auto& r : rows()) {
        names.push_back(env_name(r.info.key));
    }
    return names;
}

config load(const YAML::Node& root, const std::string& name) {
    config c;
    bool slide_set = false;
    std::map<std::string, int> lines;
    if (!root.IsNull()) {
        if (!root.IsMap()) {
            throw config_error(name, line_of(root), "", "the config must be a YAML mapping");
        }
        walk(c, root, "", name, slide_set, lines);
    }
    apply_env(c, slide_set);
    if (!slide_set) {
        c.windows.slide = c.windows.size;
    }
    try {
        validate(c, name);
    } catch (const config_error& e) {
        // Cross-field checks know the key, not the line: add the line where the key was set.
        const auto it = lines.find(e.key());
        if (e.line() == 0 && it != lines.end()) {
            const std::string msg = e.what();
            const std::string prefix = name + ": " + e.key() + ": ";
            throw config_error(name, it->second, e.key(),
                               msg.rfind(prefix, 0) == 0 ? msg.substr(prefix.size()) : msg);
        }
        throw;
    }
    return c;
}

} // namespace

const std::vector<setting_info>& settings() {
    static const std::vector<setting_info> infos = [] {
        std::vector<setting_info> v;
        for (const auto& r : rows()) {
            v.push_back(r.info);
        }
        return v;
    }();
    return infos;
}

std::string default_value(std::string_view key) {
    const setting_row* r = find_row(key);
    return r ? r->get(config{}) : std::string();
}

std::string current_value(const config& c, std::string_view key) {
    const setting_row* r = find_row(key);
    return r ? r->get(c) : std::string();
}

void validate(const config& c, const std::string& name) {
    if (c.brands.empty()) {
        throw config_error(name, 0, "brands", "at least one brand is required");
    }
    if (c.windows.slide > c.windows.size || c.windows.size % c.windows.slide != 0) {
        throw config_error(name, 0, "windows.slide",
                           "must divide windows.size (" + format_duration(c.windows.size) +
                               "), got " + format_duration(c.windows.slide));
    }
    if (c.windows.size / c.windows.slide > 60) {
        throw config_error(name, 0, "windows.slide",
                           "at most 60 hopping windows per mention (size/slide)");
    }
    if (c.ingest.max_text_bytes > c.ingest.max_record_bytes) {
        throw config_error(name, 0, "ingest.max_text_bytes",
                           "must not exceed ingest.max_record_bytes");
    }
    try {
        const brand_matcher m(c.brands); // compiles every pattern: catches unusable ones now
    } catch (const std::invalid_argument& e) {
        throw config_error(name, 0, "brands", e.what());
    }
}

std::vector<brand_rule> merge_brand_ids(const std::vector<brand_rule>& current,
                                        const std::vector<brand_rule>& next) {
    std::vector<brand_rule> out;
    out.reserve(current.size() + next.size());
    std::vector<bool> used(next.size(), false);
    for (const brand_rule& c : current) {
        const auto it = std::find_if(next.begin(), next.end(),
                                     [&](const brand_rule& n) { return n.name == c.name; });
        if (it == next.end()) {
            brand_rule retired;
            retired.name = c.name;
            retired.retired = true;
            out.push_back(std::move(retired));
        } else {
            used[static_cast<std::size_t>(it - next.begin())] = true;
            out.push_back(*it);
        }
    }
    for (std::size_t i = 0; i < next.size(); ++i) {
        if (!used[i]) {
            out.push_back(next[i]);
        }
    }
    return out;
}

std::vector<std::string> changed_fixed_settings(const config& a, const config& b) {
    std::vector<std::string> out;
    for (const auto& r : rows()) {
        if (!r.info.reloadable && r.get(a) != r.get(b)) {
            out.emplace_back(r.info.key);
        }
    }
    if (a.kafka.properties != b.kafka.properties) {
        out.emplace_back("kafka.*");
    }
    return out;
}

config load_config_text(const std::string& yaml, const std::string& name) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw config_error(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                           "invalid YAML: " + e.msg);
    }
    return load(root, name);
}

std::vector<std::string> unknown_environment(const char* const* env) {
    static const std::vector<std::string> names = environment_names();
    std::vector<std::string_view> views(names.begin(), names.end());
    std::vector<std::string> out;
    for (; env != nullptr && *env != nullptr; ++env) {
        const std::string_view entry(*env);
        const std::string_view var = entry.substr(0, entry.find('='));
        if (!var.starts_with("PULSO_") || var == "PULSO_SEED" || var == "PULSO_GOLDEN_UPDATE" ||
            var.starts_with("PULSO_TEST_") ||
            std::find(names.begin(), names.end(), var) != names.end()) {
            continue;
        }
        std::string msg =
            "environment variable " + std::string(var) + " is not a config override and is ignored";
        if (const std::string_view best = nearest(var, views); !best.empty()) {
            msg += " (did you mean " + std::string(best) + "?)";
        } else if (var.starts_with("PULSO_KAFKA_")) {
            msg += " (librdkafka properties go in PULSO_KAFKA_PROPERTIES=key=value,...)";
        }
        out.push_back(std::move(msg));
    }
    return out;
}

config load_config_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw config_error(path, 0, "", "is a directory, not a config file");
    }
    std::ifstream in(path);
    if (!in) {
        throw config_error(path, 0, "",
                           std::string("cannot open the config file: ") + std::strerror(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        throw config_error(path, 0, "", "cannot read the config file");
    }
    return load_config_text(ss.str(), path);
}

} // namespace pulso
