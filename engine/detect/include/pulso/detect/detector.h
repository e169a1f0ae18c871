#pragma once

#include "pulso/config/config.h"
#include "pulso/detect/baseline.h"
#include "pulso/detect/trend_tracker.h"
#include "pulso/text/brand_matcher.h"
#include "pulso/window/partition_windows.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pulso {

/// The four alert rules of CONTRACT §5, in the order their records are emitted per brand.
enum class alert_rule : std::uint8_t { volume_spike, negative_spike, negative_share, influencer };
inline constexpr std::size_t k_alert_rule_count = 4;
inline constexpr std::array<std::string_view, k_alert_rule_count> k_alert_rule_names = {
    "volume_spike", "negative_spike", "negative_share", "influencer"};

enum class alert_severity : std::uint8_t { warning, critical };
inline constexpr std::array<std::string_view, 2> k_alert_severity_names = {"warning", "critical"};

/// Where the detector's records go (the publisher adapts it to its record_sink). `json` is
/// one record without a newline, valid only during the call.
/// @thread publisher
class detection_sink {
  public:
    virtual ~detection_sink() = default;
    /// A trend record; `scope` is `*` or a brand name (the Kafka key).
    virtual void trend(std::string_view scope, std::string_view json) = 0;
    /// An alert record (a firing or a resolved transition); `brand` is the Kafka key.
    virtual void alert(std::string_view brand, std::string_view json) = 0;
};

/// An alert currently firing (for `pulso_alerts_firing{brand,rule,severity}` and the API).
struct firing_alert {
    std::uint32_t brand = 0;
    alert_rule rule = alert_rule::volume_spike;
    alert_severity severity = alert_severity::warning;
    millis since = 0; ///< window_start of the firing window (the id's episode start)
};

/// Reputation alerts and trends over the stream of final merged windows (DESIGN §6).
///
/// Per configured brand it keeps baselines of mentions, negative mentions, negative share and
/// reach and runs `volume_spike`, `negative_spike`, `negative_share` and `influencer` with a
/// relative gate, an absolute floor, distinct authors, persistence, hysteresis, cooldown and
/// severity; per scope (`*` and each brand) it tracks hashtags and terms against their own
/// baselines. Every configured brand is stepped every window: a brand absent from a window
/// counts zero (a brand going quiet is data), and windows missing between two published
/// ones (no mention anywhere) are stepped as empty, up to a day of them.
///
/// Lifecycle: built at start-up from the config and the brand matcher (which must outlive it),
/// optionally restore()d from a snapshot, then fed every final window in order. Windows at or
/// before the last one seen are ignored (a replay after a restore). Outputs are transitions
/// only: one firing and one resolved record per episode, sharing a deterministic id.
/// Allocation: none per brand in steady state; the trend maps allocate when new items appear.
/// @thread publisher
class detector {
  public:
    /// `window_size`/`slide`: CONTRACT §2 windows (the summary names the size; window
    /// indexes are start / slide).
    detector(const config::detect_t& cfg, const brand_matcher& matcher, millis window_size,
             millis slide);
    ~detector();
    detector(const detector&) = delete;
    detector& operator=(const detector&) = delete;

    /// Runs detection on one final merged window (after its window records were emitted).
    void on_window(const window_partial& merged, detection_sink& out);

    /// Live reload: brand names from `matcher` (ids are stable; new ids start with fresh
    /// baselines), and the reloadable detection settings. Baselines and firing alerts stay.
    void set_matcher(const brand_matcher& matcher);
    void set_config(const config::detect_t& cfg);

    /// Alerts firing now, brands by id then rule.
    void firing(std::vector<firing_alert>& out) const;
    /// Passes the firing record of every alert firing now to `out.alert`, brands by id then
    /// rule; returns how many. For a restart from a snapshot: the in-process sinks (the
    /// Alertmanager resend set, the HTTP API's firing list) learn what is firing. Not for
    /// the alerts topic: those records were published before. Alerts restored from a
    /// version 2 snapshot carry no record and are left out.
    std::size_t announce_firing(detection_sink& out) const;
    /// Windows processed (published ones plus empty gaps stepped).
    [[nodiscard]] std::uint64_t windows() const noexcept { return windows_; }
    [[nodiscard]] std::uint64_t alerts_emitted() const noexcept { return alerts_; }
    [[nodiscard]] std::uint64_t trends_emitted() const noexcept { return trends_; }

    /// Appends a versioned binary snapshot of every baseline and alert state to `out`.
    void save(std::string& out) const;
    /// Replaces the state with a snapshot from save(): brands are matched by name (brands not
    /// configured now are dropped, new ones start fresh). False, with the state unchanged,
    /// when the blob is not a valid snapshot of this version and these windows (size and
    /// slide); then `why`, if given, says what is wrong.
    [[nodiscard]] bool restore(std::string_view blob, std::string* why = nullptr);

  private:
    struct rule_state;
    struct brand_state;
    struct scope_trends;
    struct rule_eval;

    void step(millis start, millis end, const window_partial* merged, detection_sink& out);
    void step_brand(std::uint32_t id, const brand_window* bw, millis start, millis end, int hour,
                    detection_sink& out);
    void transition(std::uint32_t id, alert_rule rule, const rule_eval& e, const brand_window* bw,
                    millis start, millis end, detection_sink& out);
    void write_alert(std::uint32_t id, alert_rule rule, bool firing, const rule_eval& e,
                     const brand_window* bw, millis start, millis end);
    void step_trends(std::int64_t w, std::string_view scope, std::int64_t brand, scope_trends& st,
                     const brand_window& bw, detection_sink& out);
    void save_brand(std::string& out, const brand_state& b) const;
    bool restore_brand(std::string_view in, std::size_t& pos, brand_state& b,
                       std::uint32_t version) const;

    config::detect_t cfg_;
    void index_brands();

    const brand_matcher* matcher_;
    millis size_;
    millis slide_;
    baseline_params bp_;
    trend_params tp_;
    std::vector<std::unique_ptr<brand_state>> brands_; ///< by brand id
    std::vector<std::uint32_t> by_name_;               ///< brand ids sorted by name
    std::unique_ptr<scope_trends> all_trends_;
    std::vector<const brand_window*> slots_; ///< this window's brand windows, by id
    std::vector<trend_candidate> candidates_;
    std::vector<space_saving<std::string>::entry_view> top_;
    std::string buf_;
    std::string text_;
    std::string ts_start_; ///< this window's start and end, RFC 3339
    std::string ts_end_;
    std::int64_t last_index_ = 0;
    bool has_last_ = false;
    std::uint64_t windows_ = 0;
    std::uint64_t alerts_ = 0;
    std::uint64_t trends_ = 0;
};

/// The baseline knobs of a detect config.
baseline_params baseline_params_of(const config::detect_t& cfg);
/// The trend knobs of a detect config.
trend_params trend_params_of(const config::detect_t& cfg);

} // namespace pulso
