#!/usr/bin/python3
"""Checks deploy/grafana/pulso-brands.json: valid JSON, every panel has a query, and every
metric it queries is one pulso exports (CONTRACT §8; the list is the metrics test's)."""
import json
import re
import sys

EXPORTED = {
    "pulso_mentions_ingested_total", "pulso_mentions_rejected_total",
    "pulso_mentions_duplicate_total", "pulso_mentions_late_total",
    "pulso_brand_mentions_total", "pulso_brand_window_mentions", "pulso_brand_negative_share",
    "pulso_alerts_firing", "pulso_alerts_total", "pulso_kafka_consumer_lag",
    "pulso_watermark_lag_seconds", "pulso_window_publish_delay_seconds_bucket",
    "pulso_sink_queue_depth", "pulso_sink_errors_total",
}

dash = json.load(open(sys.argv[1]))
errors = []
if not dash.get("panels"):
    errors.append("no panels")
for p in dash.get("panels", []):
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"panel {p.get('title')!r} has no query")
    for t in targets:
        for name in re.findall(r"\bpulso_[a-z_]+", t.get("expr", "")):
            if name not in EXPORTED:
                errors.append(f"panel {p.get('title')!r} queries unknown metric {name}")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"{len(dash['panels'])} panels, every query uses exported metrics")
