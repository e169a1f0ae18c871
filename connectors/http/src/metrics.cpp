#include "pulso/http/metrics.h"

#include "pulso/core/mention.h"
#include "pulso/parse/mention_parser.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

namespace pulso::http {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

/// Name, help and type of every family, also used to export the publisher-side families that
/// have no series yet (prometheus-cpp leaves an empty family out; dashboards and promtool
/// want the HELP/TYPE lines from the start).
struct family_spec {
    const char* name;
    const char* help;
    MetricType type;
};

constexpr family_spec k_ingested{"pulso_mentions_ingested_total",
                                 "Records read from a source (accepted + rejected).",
                                 MetricType::Counter};
constexpr family_spec k_rejected{"pulso_mentions_rejected_total",
                                 "Records rejected by the input contract, by reason.",
                                 MetricType::Counter};
constexpr family_spec k_duplicate{"pulso_mentions_duplicate_total",
                                  "Mentions dropped as duplicates within dedupe.horizon.",
                                  MetricType::Counter};
constexpr family_spec k_late{"pulso_mentions_late_total",
                             "Mentions for a window that was already final.", MetricType::Counter};
constexpr family_spec k_brand_mentions{"pulso_brand_mentions_total",
                                       "Accepted mentions per brand, platform and sentiment class.",
                                       MetricType::Counter};
constexpr family_spec k_kafka_lag{"pulso_kafka_consumer_lag",
                                  "Messages between the consumer position and the partition's "
                                  "high watermark.",
                                  MetricType::Gauge};
constexpr family_spec k_watermark_lag{"pulso_watermark_lag_seconds",
                                      "Wall clock minus the global event-time watermark.",
                                      MetricType::Gauge};
constexpr family_spec k_sink_depth{"pulso_sink_queue_depth", "Records waiting in a sink's queue.",
                                   MetricType::Gauge};
constexpr family_spec k_sink_errors{"pulso_sink_errors_total",
                                    "Delivery errors of a sink (retries included).",
                                    MetricType::Counter};

constexpr family_spec k_window_mentions{"pulso_brand_window_mentions",
                                        "Mentions of a brand in its latest final window.",
                                        MetricType::Gauge};
constexpr family_spec k_negative_share{
    "pulso_brand_negative_share",
    "Share of negative mentions of a brand in its latest final window.", MetricType::Gauge};
constexpr family_spec k_alerts_firing{"pulso_alerts_firing",
                                      "1 while an alert of this brand, rule and severity fires.",
                                      MetricType::Gauge};
constexpr family_spec k_alerts_total{"pulso_alerts_total",
                                     "Alert episodes that started firing, by rule and severity.",
                                     MetricType::Counter};
constexpr family_spec k_publish_delay{
    "pulso_window_publish_delay_seconds",
    "Seconds from a window's end (event time) to its publication (wall clock).",
    MetricType::Histogram};
constexpr family_spec k_build_info{"pulso_build_info", "Build information; the value is 1.",
                                   MetricType::Gauge};

constexpr family_spec k_registry_families[] = {k_window_mentions, k_negative_share, k_alerts_firing,
                                               k_alerts_total,    k_publish_delay,  k_build_info};

MetricFamily family(const family_spec& s) {
    MetricFamily f;
    f.name = s.name;
    f.help = s.help;
    f.type = s.type;
    return f;
}

void add_value(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter) {
        m.counter.value = v;
    } else {
        m.gauge.value = v;
    }
    f.metric.push_back(std::move(m));
}

} // namespace

/// Builds the scrape-time families from the engine's snapshot.
/// @thread the scraping thread (metrics::serialize)
class metrics::snapshot_collector final : public prometheus::Collectable {
  public:
    explicit snapshot_collector(snapshot_fn fn) : fn_(std::move(fn)) {}

    std::vector<MetricFamily> Collect() const override {
        metrics_snapshot s;
        if (fn_) {
            s = fn_();
        }
        std::vector<MetricFamily> out;
        out.reserve(9);

        MetricFamily ingested = family(k_ingested);
        if (s.sources.empty()) {
            add_value(ingested, {{"source", "kafka"}}, static_cast<double>(s.ingest.ingested));
        } else {
            for (const auto& src : s.sources) {
                add_value(ingested, {{"source", src.source}}, static_cast<double>(src.ingested));
            }
        }
        out.push_back(std::move(ingested));

        MetricFamily rejected = family(k_rejected);
        for (std::size_t r = 1; r < k_reject_reason_count; ++r) { // 0 is `none`
            add_value(rejected, {{"reason", std::string(k_reject_reason_names[r])}},
                      static_cast<double>(s.ingest.rejected[r]));
        }
        out.push_back(std::move(rejected));

        MetricFamily dup = family(k_duplicate);
        add_value(dup, {}, static_cast<double>(s.ingest.duplicate));
        out.push_back(std::move(dup));

        MetricFamily late = family(k_late);
        add_value(late, {}, static_cast<double>(s.ingest.late));
        out.push_back(std::move(late));

        MetricFamily brand = family(k_brand_mentions);
        const auto& bm = s.ingest.brand_mentions;
        for (std::size_t b = 0; b < s.brands.size(); ++b) {
            for (std::size_t p = 0; p < k_platform_count; ++p) {
                for (std::size_t c = 0; c < k_sentiment_names.size(); ++c) {
                    const std::size_t i = (b * k_platform_count + p) * 3 + c;
                    const std::uint64_t v = i < bm.size() ? bm[i] : 0;
                    add_value(brand,
                              {{"brand", s.brands[b]},
                               {"platform", std::string(k_platform_names[p])},
                               {"sentiment", std::string(k_sentiment_names[c])}},
                              static_cast<double>(v));
                }
            }
        }
        out.push_back(std::move(brand));

        MetricFamily lag = family(k_kafka_lag);
        for (const auto& pl : s.kafka_lag) {
            add_value(lag, {{"topic", pl.topic}, {"partition", std::to_string(pl.partition)}},
                      static_cast<double>(pl.lag));
        }
        out.push_back(std::move(lag));

        MetricFamily wm = family(k_watermark_lag);
        add_value(wm, {}, s.watermark_lag_seconds);
        out.push_back(std::move(wm));

        MetricFamily depth = family(k_sink_depth);
        MetricFamily errors = family(k_sink_errors);
        for (const auto& sk : s.sinks) {
            add_value(depth, {{"sink", sk.sink}}, static_cast<double>(sk.queue_depth));
            add_value(errors, {{"sink", sk.sink}}, static_cast<double>(sk.errors));
        }
        out.push_back(std::move(depth));
        out.push_back(std::move(errors));
        return out;
    }

  private:
    snapshot_fn fn_;
};

metrics::metrics(std::string version, snapshot_fn snapshot)
    : registry_(std::make_shared<prometheus::Registry>()),
      collector_(std::make_shared<snapshot_collector>(std::move(snapshot))) {
    window_mentions_ = &prometheus::BuildGauge()
                            .Name(k_window_mentions.name)
                            .Help(k_window_mentions.help)
                            .Register(*registry_);
    negative_share_ = &prometheus::BuildGauge()
                           .Name(k_negative_share.name)
                           .Help(k_negative_share.help)
                           .Register(*registry_);
    alerts_firing_ = &prometheus::BuildGauge()
                          .Name(k_alerts_firing.name)
                          .Help(k_alerts_firing.help)
                          .Register(*registry_);
    alerts_total_ = &prometheus::BuildCounter()
                         .Name(k_alerts_total.name)
                         .Help(k_alerts_total.help)
                         .Register(*registry_);
    auto& delay = prometheus::BuildHistogram()
                      .Name(k_publish_delay.name)
                      .Help(k_publish_delay.help)
                      .Register(*registry_);
    publish_delay_ = &delay.Add({}, prometheus::Histogram::BucketBoundaries{
                                        0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300});
    prometheus::BuildGauge()
        .Name(k_build_info.name)
        .Help(k_build_info.help)
        .Register(*registry_)
        .Add({{"version", std::move(version)}})
        .Set(1.0);
}

metrics::~metrics() = default;

void metrics::add_collectable(const std::shared_ptr<prometheus::Collectable>& c) {
    const std::lock_guard lock(mu_);
    extra_.push_back(c);
}

void metrics::observe_window(std::string_view brand, std::uint64_t mentions,
                             std::uint64_t negative) {
    const std::string b(brand);
    window_mentions_->Add({{"brand", b}}).Set(static_cast<double>(mentions));
    negative_share_->Add({{"brand", b}})
        .Set(mentions == 0 ? 0.0 : static_cast<double>(negative) / static_cast<double>(mentions));
}

void metrics::observe_publish_delay(double seconds) {
    publish_delay_->Observe(std::max(seconds, 0.0));
}

void metrics::observe_alert(std::string_view brand, std::string_view rule,
                            std::string_view severity, bool firing, bool newly_firing) {
    alerts_firing_
        ->Add({{"brand", std::string(brand)},
               {"rule", std::string(rule)},
               {"severity", std::string(severity)}})
        .Set(firing ? 1.0 : 0.0);
    if (newly_firing) {
        alerts_total_->Add({{"rule", std::string(rule)}, {"severity", std::string(severity)}})
            .Increment();
    }
}

std::string metrics::serialize() const {
    std::vector<MetricFamily> families = registry_->Collect();
    for (const family_spec& spec : k_registry_families) {
        const bool present =
            std::any_of(families.begin(), families.end(),
                        [&](const MetricFamily& f) { return f.name == spec.name; });
        if (!present) {
            families.push_back(family(spec));
        }
    }
    auto scraped = collector_->Collect();
    std::move(scraped.begin(), scraped.end(), std::back_inserter(families));
    {
        const std::lock_guard lock(mu_);
        for (const auto& w : extra_) {
            if (auto c = w.lock()) {
                auto more = c->Collect();
                std::move(more.begin(), more.end(), std::back_inserter(families));
            }
        }
    }
    std::ostringstream os;
    prometheus::TextSerializer().Serialize(os, families);
    return std::move(os).str();
}

} // namespace pulso::http
