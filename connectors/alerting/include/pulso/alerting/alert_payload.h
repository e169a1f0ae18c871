#pragma once

#include <pulso/core/time.h>
#include <string>
#include <string_view>

namespace pulso::alerting {

/// The fields of a CONTRACT §5 alert record that the sinks need, already flattened.
/// Owned strings: a parsed record outlives the caller's JSON buffer.
struct alert_fields {
    std::string id;
    bool firing = true; ///< `status`: firing (true) or resolved (false)
    std::string rule;
    std::string severity;
    std::string brand;
    std::string summary;
    std::string window_start;
    std::string window_end;
    /// Compact one-line text of the evidence: observed/expected/factor, top terms, hashtags,
    /// authors, sample ids. Empty when the record has no evidence.
    std::string evidence_text;
    /// `term, term, …` of the first few top terms (for the Slack line).
    std::string top_terms_text;
    /// `#tag, #tag, …` of the first few top hashtags (for the Slack line).
    std::string top_hashtags_text;
};

enum class parse_alert_errc { ok, invalid_json, missing_field, bad_status };

/// Parses one alert record (CONTRACT §5). Required: id, status (firing|resolved), rule,
/// severity, brand. Everything else is optional. Never throws; `out` is overwritten.
/// @thread any (no shared state)
[[nodiscard]] parse_alert_errc parse_alert_record(std::string_view json,
                                                  alert_fields& out) noexcept;

/// One Alertmanager API v2 `postableAlert` object (not the surrounding array):
/// labels {alertname: pulso_<rule>, brand, rule, severity}, annotations {summary, evidence,
/// alert_id}, startsAt, endsAt (when `ends_at` > 0), generatorURL (when non-empty).
std::string render_alertmanager_alert(const alert_fields& a, millis starts_at, millis ends_at,
                                      std::string_view generator_url);

/// A Slack-compatible incoming-webhook body: `{"text":"<emoji> [SEVERITY] summary — top terms:
/// …; hashtags: …"}`. Resolved alerts read `:white_check_mark: [RESOLVED] …`.
std::string render_slack_message(const alert_fields& a);

} // namespace pulso::alerting
