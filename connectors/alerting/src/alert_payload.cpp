#include "pulso/alerting/alert_payload.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <pulso/core/json_writer.h>
#include <string>

namespace pulso::alerting {
namespace {

namespace od = simdjson::ondemand;

/// How many items of each evidence list the compact text and the Slack line carry.
constexpr std::size_t k_text_items = 5;
constexpr std::size_t k_slack_items = 3;

std::string format_number(double v) {
    // fmt's shortest round-trip form: 198 -> "198", 17.73 -> "17.73".
    return fmt::format("{}", v);
}

/// Reads a scalar as text: strings unescaped, numbers in their shortest form.
bool scalar_text(od::value v, std::string& out) {
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) {
        return false;
    }
    if (t == od::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) {
            return false;
        }
        out.assign(s);
        return true;
    }
    if (t == od::json_type::number) {
        double d = 0;
        if (v.get_double().get(d) != simdjson::SUCCESS) {
            return false;
        }
        out = format_number(d);
        return true;
    }
    return false;
}

/// One evidence list as `name count, name count` (or `name (N followers)` when the number is
/// not a plain count). Items are objects ({term,count}, {tag,count}, {author,followers}) or
/// bare strings (sample_ids). `names` gets just the first `k_slack_items` names.
bool list_text(od::value v, std::string& text, std::string* names) {
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
        return false;
    }
    std::size_t n = 0;
    for (auto elem : arr) {
        od::value item;
        if (elem.get(item) != simdjson::SUCCESS) {
            return false;
        }
        std::string name;
        std::string number;
        od::json_type t{};
        if (item.type().get(t) != simdjson::SUCCESS) {
            return false;
        }
        if (t == od::json_type::object) {
            od::object obj;
            if (item.get_object().get(obj) != simdjson::SUCCESS) {
                return false;
            }
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
                    return false;
                }
                std::string key_copy(key); // the key view dies with the next read
                od::value fv;
                if (field.value().get(fv) != simdjson::SUCCESS) {
                    return false;
                }
                od::json_type ft{};
                if (fv.type().get(ft) != simdjson::SUCCESS) {
                    return false;
                }
                if (ft == od::json_type::string && name.empty()) {
                    if (!scalar_text(fv, name)) {
                        return false;
                    }
                } else if (ft == od::json_type::number && number.empty()) {
                    if (!scalar_text(fv, number)) {
                        return false;
                    }
                    if (key_copy != "count") {
                        number = fmt::format("({} {})", number, key_copy);
                    }
                }
            }
        } else if (!scalar_text(item, name)) {
            continue; // a nested array or null: nothing readable to show
        }
        if (n < k_text_items) {
            if (n > 0) {
                text += ", ";
            }
            text += name;
            if (!number.empty()) {
                text += ' ';
                text += number;
            }
        }
        if (names != nullptr && n < k_slack_items) {
            if (n > 0) {
                *names += ", ";
            }
            *names += name;
        }
        ++n;
    }
    return true;
}

bool evidence_text(od::value v, alert_fields& out) {
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) {
        return false;
    }
    std::string observed, expected, factor, cluster_share, terms, tags, authors, samples;
    for (auto field : obj) {
        std::string_view key_view;
        if (field.unescaped_key().get(key_view) != simdjson::SUCCESS) {
            return false;
        }
        const std::string key(key_view);
        od::value fv;
        if (field.value().get(fv) != simdjson::SUCCESS) {
            return false;
        }
        bool ok = true;
        if (key == "observed") {
            ok = scalar_text(fv, observed);
        } else if (key == "expected") {
            ok = scalar_text(fv, expected);
        } else if (key == "factor") {
            ok = scalar_text(fv, factor);
        } else if (key == "cluster_share") {
            ok = scalar_text(fv, cluster_share);
        } else if (key == "top_terms") {
            ok = list_text(fv, terms, &out.top_terms_text);
        } else if (key == "top_hashtags") {
            ok = list_text(fv, tags, &out.top_hashtags_text);
        } else if (key == "top_authors") {
            ok = list_text(fv, authors, nullptr);
        } else if (key == "sample_ids") {
            ok = list_text(fv, samples, nullptr);
        }
        if (!ok) {
            return false;
        }
    }
    std::string& t = out.evidence_text;
    auto part = [&t](std::string_view label, const std::string& body) {
        if (body.empty()) {
            return;
        }
        if (!t.empty()) {
            t += "; ";
        }
        t += label;
        t += body;
    };
    if (!observed.empty()) {
        std::string head = observed;
        if (!expected.empty()) {
            head += " vs expected " + expected;
        }
        if (!factor.empty()) {
            head += " (" + factor + "x)";
        }
        part("observed ", head);
    }
    part("cluster share ", cluster_share);
    part("top terms: ", terms);
    part("hashtags: ", tags);
    part("authors: ", authors);
    part("samples: ", samples);
    return true;
}

} // namespace

parse_alert_errc parse_alert_record(std::string_view json, alert_fields& out) noexcept {
    out = alert_fields{};
    try {
        // One parser per thread: alert records are rare, but the parser's buffers are not.
        thread_local od::parser parser;
        const simdjson::padded_string padded(json);
        od::document doc;
        if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
            return parse_alert_errc::invalid_json;
        }
        od::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS) {
            return parse_alert_errc::invalid_json;
        }
        std::string status;
        bool have_id = false, have_status = false, have_rule = false, have_severity = false,
             have_brand = false;
        for (auto field : obj) {
            std::string_view key_view;
            if (field.unescaped_key().get(key_view) != simdjson::SUCCESS) {
                return parse_alert_errc::invalid_json;
            }
            const std::string key(key_view);
            od::value v;
            if (field.value().get(v) != simdjson::SUCCESS) {
                return parse_alert_errc::invalid_json;
            }
            bool ok = true;
            if (key == "id") {
                ok = have_id = scalar_text(v, out.id);
            } else if (key == "status") {
                ok = have_status = scalar_text(v, status);
            } else if (key == "rule") {
                ok = have_rule = scalar_text(v, out.rule);
            } else if (key == "severity") {
                ok = have_severity = scalar_text(v, out.severity);
            } else if (key == "brand") {
                ok = have_brand = scalar_text(v, out.brand);
            } else if (key == "summary") {
                ok = scalar_text(v, out.summary);
            } else if (key == "window_start") {
                ok = scalar_text(v, out.window_start);
            } else if (key == "window_end") {
                ok = scalar_text(v, out.window_end);
            } else if (key == "evidence") {
                ok = evidence_text(v, out);
            }
            if (!ok) {
                return parse_alert_errc::invalid_json;
            }
        }
        if (!have_id || !have_status || !have_rule || !have_severity || !have_brand ||
            out.id.empty() || out.rule.empty()) {
            return parse_alert_errc::missing_field;
        }
        if (status == "firing") {
            out.firing = true;
        } else if (status == "resolved") {
            out.firing = false;
        } else {
            return parse_alert_errc::bad_status;
        }
        return parse_alert_errc::ok;
    } catch (const std::exception&) {
        // Only std::bad_alloc can get here (padded_string, std::string); a record we cannot
        // hold is treated as unreadable rather than crossing the publisher's noexcept path.
        return parse_alert_errc::invalid_json;
    }
}

std::string render_alertmanager_alert(const alert_fields& a, millis starts_at, millis ends_at,
                                      std::string_view generator_url) {
    std::string out;
    out.reserve(256 + a.summary.size() + a.evidence_text.size());
    json_writer j(out);
    j.begin_object();
    j.key("labels").begin_object();
    j.key("alertname").value("pulso_" + a.rule);
    j.key("brand").value(a.brand);
    j.key("rule").value(a.rule);
    j.key("severity").value(a.severity);
    j.end_object();
    j.key("annotations").begin_object();
    j.key("summary").value(a.summary);
    j.key("evidence").value(a.evidence_text);
    j.key("alert_id").value(a.id);
    if (!a.window_start.empty()) {
        j.key("window").value(a.window_start + "/" + a.window_end);
    }
    j.end_object();
    j.key("startsAt").value(format_rfc3339(starts_at, true));
    if (ends_at > 0) {
        j.key("endsAt").value(format_rfc3339(ends_at, true));
    }
    if (!generator_url.empty()) {
        j.key("generatorURL").value(generator_url);
    }
    j.end_object();
    return out;
}

std::string render_slack_message(const alert_fields& a) {
    std::string text;
    if (!a.firing) {
        text = ":white_check_mark: [RESOLVED] ";
    } else if (a.severity == "critical") {
        text = ":rotating_light: [CRITICAL] ";
    } else {
        text = ":warning: [";
        for (const char c : a.severity) {
            text += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        }
        text += "] ";
    }
    text += a.summary.empty() ? a.brand + ": " + a.rule : a.summary;
    if (a.firing && !a.top_terms_text.empty()) {
        text += " \u2014 top terms: " + a.top_terms_text;
    }
    if (a.firing && !a.top_hashtags_text.empty()) {
        text += "; hashtags: " + a.top_hashtags_text;
    }
    std::string out;
    json_writer j(out);
    j.begin_object().key("text").value(text).end_object();
    return out;
}

} // namespace pulso::alerting
