#!/usr/bin/env bash
# Sets up (Debian packages, idempotently), builds, and runs the main job on the embedded
# defaults: generates an hour of mentions with a reputation crisis and a trending hashtag,
# replays them through the engine and prints what it found.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh release
pulso=build/release/app/pulso
out=build/demo
mkdir -p "$out"
echo
echo "== generating 60 minutes of mentions (scenario: demo) into $out/mentions.ndjson"
"$pulso" generate --scenario demo --rate 50 --duration 60m --seed 7 --bad-ratio 0.002 \
    --out "$out/mentions.ndjson"
echo "== replaying them through the engine"
"$pulso" replay --input "$out/mentions.ndjson" --windows-out "$out/windows.ndjson" \
    --dlq-out "$out/dlq.ndjson" --alerts-out "$out/alerts.ndjson" --trends-out "$out/trends.ndjson"
echo
echo "== what it found"
echo "window records: $(wc -l < "$out/windows.ndjson")  (per brand and minute: $out/windows.ndjson)"
echo "dead letters:   $(wc -l < "$out/dlq.ndjson")  ($out/dlq.ndjson)"
echo "alerts:         $(wc -l < "$out/alerts.ndjson")  ($out/alerts.ndjson)"
echo "trends:         $(wc -l < "$out/trends.ndjson")  ($out/trends.ndjson)"
echo
echo "busiest brand minutes:"
grep -v '"brand":"\*"' "$out/windows.ndjson" | /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
rows.sort(key=lambda r: -r["mentions"])
for r in rows[:8]:
    s = r["sentiment"]
    print(f"  {r[\"window_start\"]}  {r[\"brand\"]:<12} {r[\"mentions\"]:>5} mentions  "
          f"neg {s[\"negative\"]:>4}  top tag {(r[\"top_hashtags\"] or [{\"tag\": \"-\"}])[0][\"tag\"]}")
'
