#!/usr/bin/env bash
# Sets up (Debian packages, idempotently), builds, and runs the main job on the embedded
# defaults.
#
#   scripts/demo.sh [pulso demo options]   the live demo (`pulso demo`): an in-process Kafka,
#                                          the generator's crisis script, the full service and
#                                          its page on http://127.0.0.1:8080/ (Ctrl-C stops)
#   scripts/demo.sh --replay               offline and finite: generates an hour of mentions
#                                          with a reputation crisis, replays them through the
#                                          engine and prints what it found
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh release
pulso=build/release/app/pulso
if [[ "${1:-}" != "--replay" ]]; then
    exec "$pulso" demo "$@"
fi
out=build/demo-replay
mkdir -p "$out"
echo
echo "== generating 60 minutes of mentions into $out/mentions.ndjson"
echo "   (scenario negative_spike: steady chatter about six brands, then at 04:35 a refund"
echo "    crisis for acme with #acmefail; 0.2 % bad records)"
"$pulso" generate --scenario negative_spike --rate 5 --duration 60m --seed 7 --bad-ratio 0.002 \
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
echo "alerts (firing and resolved):"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    print("  {}  {:<8} {:<8} {}".format(a["window_start"], a["status"], a["severity"], a["summary"]))
' "$out/alerts.ndjson"
echo
echo "top trends (rank 1 per window and kind, scope *):"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    t = json.loads(l)
    if t["scope"] == "*" and t["rank"] == 1:
        print("  {}  {:<7} {:<16} count {:>4}  score {}".format(
            t["window_start"], t["kind"], t["item"], t["count"], t["score"]))
' "$out/trends.ndjson"
echo
echo "busiest brand minutes:"
grep -v '"brand":"\*"' "$out/windows.ndjson" | /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
rows.sort(key=lambda r: -r["mentions"])
for r in rows[:8]:
    s = r["sentiment"]
    tag = (r["top_hashtags"] or [{"tag": "-"}])[0]["tag"]
    print("  {}  {:<12} {:>5} mentions  neg {:>4}  top tag {}".format(
        r["window_start"], r["brand"], r["mentions"], s["negative"], tag))
'
