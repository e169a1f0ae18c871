#pragma once

#include "pulso/core/time.h"
#include "pulso/text/brand_matcher.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// A start-up error in a config: names the file, the line (1-based, 0 when unknown) and the
/// key. what() is the one line printed before exiting with code 2.
class config_error : public std::runtime_error {
  public:
    config_error(std::string file, int line, std::string key, const std::string& msg);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    const std::string& key() const noexcept { return key_; }

  private:
    std::string file_;
    int line_;
    std::string key_;
};

/// Every setting of CONTRACT §2. Defaults here are the documented defaults; the settings
/// table (settings()) is the single place that names, bounds and describes them.
struct config {
    std::vector<brand_rule> brands;

    struct windows_t {
        millis size = 60'000;
        millis slide = 60'000;
        millis allowed_lateness = 0;
    } windows;
    struct watermark_t {
        millis max_out_of_order = 10'000;
        millis idle_timeout = 30'000;
    } watermark;
    struct dedupe_t {
        millis horizon = 600'000;
    } dedupe;
    struct ingest_t {
        std::int64_t max_record_bytes = 1 << 20;
        std::int64_t max_text_bytes = 65536;
        millis max_future_skew = 300'000;
        std::int64_t workers = 0; ///< 0: one per core
    } ingest;
    /// Detection (engine/detect; CONTRACT §5). The rule knobs are described in the settings
    /// table and engine/detect/README.md.
    struct detect_t {
        std::int64_t min_windows = 30;
        std::int64_t influencer_followers = 100'000;
        double baseline_alpha = 0.05;   ///< EWMA weight of a window in a brand's level
        double clip_sigma = 3.0;        ///< level updates clipped at expected + this × sqrt
        std::int64_t score_windows = 2; ///< windows in the sliding sum the z-score is taken on
        double overdispersion = 0.005;  ///< z divisor sqrt(dispersion + this × expected sum)
        double max_cluster_share = 0.6; ///< largest cluster above this share: no count alert
        std::int64_t freeze_max_windows = 30; ///< firing longer: the baseline adapts again
        bool seasonality = false;             ///< hour-of-week factors
        double seasonal_alpha = 0.01;         ///< learning weight of an hour-of-week factor
        std::string state_file;               ///< detector snapshot file; empty: none
        /// One count rule's knobs (volume_spike, negative_spike, negative_share).
        struct rule_t {
            bool enabled = true;
            double factor = 3.0;                ///< observed >= factor × expected
            std::int64_t min_count = 20;        ///< absolute floor on the window's count
            std::int64_t min_authors = 5;       ///< distinct authors in the brand's window
            double z = 4.5;                     ///< minimum score
            std::int64_t persistence = 1;       ///< consecutive windows before firing
            double resolve_factor = 1.5;        ///< hysteresis: holds while >= this × expected
            std::int64_t resolve_windows = 2;   ///< windows below it before resolving
            std::int64_t cooldown_windows = 10; ///< no re-fire for this long after resolving
            double critical_factor = 6.0; ///< critical at factor >= this or score >= critical_z
            double critical_z = 10.0;
            double min_delta = 0.0; ///< negative_share only: share - baseline share >= this
        };
        rule_t volume_spike{};
        rule_t negative_spike{true, 3.0, 10, 5, 4.5, 1, 1.5, 2, 10, 6.0, 10.0, 0.0};
        rule_t negative_share{true, 2.0, 30, 5, 4.0, 2, 1.5, 2, 10, 3.0, 10.0, 0.15};
        struct influencer_t {
            bool enabled = true;
            std::int64_t min_count = 1; ///< negative mentions from influencers in the window
            std::int64_t critical_followers = 1'000'000;
            std::int64_t resolve_windows = 5; ///< windows without a hit before resolving
            std::int64_t cooldown_windows = 30;
        } influencer;
        struct trends_t {
            bool enabled = true;
            bool brands = true;           ///< per-brand scopes besides `*`
            std::int64_t top_n = 10;      ///< per scope, per kind, per window
            std::int64_t min_count = 10;  ///< the item's count in the window
            std::int64_t min_authors = 3; ///< approximated (see engine/detect/README.md)
            double min_score = 3.0;       ///< (count + smoothing) / (baseline + smoothing)
            double min_z = 3.0;           ///< Anscombe z of count against baseline
            double smoothing = 5.0;
            double alpha = 0.1;            ///< EWMA weight of a window in an item's baseline
            std::int64_t min_windows = 5;  ///< warm-up of a scope
            std::int64_t max_items = 5000; ///< tracked items per scope and kind
        } trends;
    } detect;
    struct kafka_t {
        std::string brokers = "localhost:9092";
        std::string topic = "mentions";
        std::string group = "pulso";
        std::map<std::string, std::string> properties; ///< librdkafka pass-through, verbatim
    } kafka;
    struct sinks_t {
        std::string windows_topic = "pulso.windows";
        std::string trends_topic = "pulso.trends";
        std::string alerts_topic = "pulso.alerts";
        std::string dlq_topic = "pulso.dlq";
    } sinks;
    struct http_t {
        std::string listen = "127.0.0.1:8080";
        std::string token;
    } http;
    struct alerting_t {
        std::string alertmanager_url; ///< empty: off
        std::string webhook_url;      ///< empty: off
        std::string webhook_format = "json";
        millis resend_interval = 60'000;
        std::string external_url; ///< empty: http://<http.listen>/
        std::string ca_file;      ///< https sinks: CA bundle (PEM); empty: system trust store
    } alerting;
    struct log_t {
        std::string level = "info";
        std::string format = "auto"; ///< auto | json | text
    } log;
};

/// One row of the settings table.
struct setting_info {
    std::string_view key;  ///< dotted path, e.g. `windows.size`
    std::string_view type; ///< duration | integer | string | number | bool
    std::string_view description;
    bool reloadable;
};

/// The settings table, in documentation order (drives validation, --help and the README).
const std::vector<setting_info>& settings();
/// The default value of a setting, rendered as it would be written in YAML.
std::string default_value(std::string_view key);
/// The value of a setting in `c`, rendered as it would be written in YAML.
std::string current_value(const config& c, std::string_view key);

/// Loads and validates a YAML config file, then applies `PULSO_*` environment overrides
/// (`PULSO_WINDOWS_SIZE=30s`, `PULSO_KAFKA_BROKERS=…`). Throws config_error.
config load_config_file(const std::string& path);
/// Same from YAML text; `name` is used in errors.
config load_config_text(const std::string& yaml, const std::string& name);
/// The `PULSO_*` variables of `env` (a null-terminated `NAME=value` array, e.g. `environ`)
/// that override nothing, such as a misspelt `PULSO_WINDOW_SIZE`: one message each, naming the
/// nearest known variable when one is close. Variables of the test harness (`PULSO_SEED`,
/// `PULSO_TEST_*`, `PULSO_GOLDEN_UPDATE`) are not reported.
std::vector<std::string> unknown_environment(const char* const* env);
/// Live reload: `next`'s brands in id order such that every brand of `current` keeps its id
/// (its position); brands only in `next` are appended in their config order; brands only in
/// `current` stay in place as retired (they match nothing). Ids therefore never move, and
/// window state keyed by id survives the reload.
std::vector<brand_rule> merge_brand_ids(const std::vector<brand_rule>& current,
                                        const std::vector<brand_rule>& next);
/// The keys, among settings that are not reloadable (and the kafka.* pass-through), whose
/// values differ between `a` and `b`: a reload that changes any of them is refused.
std::vector<std::string> changed_fixed_settings(const config& a, const config& b);

/// Cross-field checks (slide divides size, brands valid and unique, …). Throws config_error.
void validate(const config& c, const std::string& name);

} // namespace pulso
