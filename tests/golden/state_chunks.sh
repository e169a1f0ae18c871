#!/usr/bin/env bash
# detect.state_file with `pulso replay`: a 40-minute scripted input replayed in two chunks
# (cut between windows, the state file carried over) gives the same windows, trends and
# alerts as one pass; without the file the second chunk misses the alerts (warm-up again);
# a state file in a directory that does not exist stops replay with exit 1, naming it.
# Usage: state_chunks.sh <pulso binary> <scratch dir>
set -euo pipefail
P=$1
D=$2
rm -rf "$D" && mkdir -p "$D" && cd "$D"
"$P" generate --duration 40m --rate 5 --scenario negative_spike --seed 3 --out all.ndjson 2>/dev/null
cut=$(grep -n '"created_at":"2026-11-26T04:30:00' all.ndjson | head -1 | cut -d: -f1)
head -n $((cut - 1)) all.ndjson > a.ndjson
tail -n +"$cut" all.ndjson > b.ndjson
{
    echo "brands:"
    echo "  - {name: acme, keywords: [acme, acme corp], handles: ['@acme'], hashtags: ['#acme'], exclude: [acme road runner]}"
    echo "  - {name: cafe_andino, keywords: [Café Andino], handles: ['@cafeandino'], hashtags: ['#cafeandino']}"
    echo "  - {name: telco_sur, keywords: [TelcoSur, Telco Sur], handles: ['@telcosur'], hashtags: ['#telcosur']}"
    echo "  - {name: banco_luz, keywords: [Banco Luz], handles: ['@bancoluz'], hashtags: ['#bancoluz']}"
    echo "  - {name: viva_air, keywords: [VivaAir, Viva Air], handles: ['@vivaair'], hashtags: ['#vivaair']}"
    echo "  - {name: mercado_rio, keywords: [Mercado Rio], handles: ['@mercadorio'], hashtags: ['#mercadorio']}"
} > brands.yaml
{ cat brands.yaml; echo "detect: {state_file: $D/detector.state}"; } > state.yaml
run() { # config input prefix
    "$P" replay --config "$1" --input "$2" --windows-out "$3.windows" \
        --trends-out "$3.trends" --alerts-out "$3.alerts" 2>> replay.log
}
run brands.yaml all.ndjson one
run state.yaml a.ndjson a
run state.yaml b.ndjson b
rm -f detector.state
run state.yaml b.ndjson cold
fail=0
for k in windows trends alerts; do
    if ! cat "a.$k" "b.$k" | cmp -s - "one.$k"; then
        echo "FAIL: chunked $k differ from one pass"
        fail=1
    fi
done
[ -s one.alerts ] || { echo "FAIL: the scenario raised no alert in one pass"; fail=1; }
if [ -s cold.alerts ]; then
    echo "FAIL: without the state file the second chunk should still be warming up"
    fail=1
fi
grep -q "restored from $D/detector.state" replay.log || { echo "FAIL: no restore logged"; fail=1; }
{ cat brands.yaml; echo "detect: {state_file: /nonexistent-pulso-dir/detector.state}"; } > bad.yaml
set +e
"$P" replay --quiet --config bad.yaml --input a.ndjson --windows-out /dev/null 2> bad.err
rc=$?
set -e
if [ $rc -ne 1 ] || ! grep -q "cannot write to directory /nonexistent-pulso-dir" bad.err; then
    echo "FAIL: a missing state directory must stop replay with exit 1 and name it (rc $rc):"
    cat bad.err
    fail=1
fi
echo "one pass: $(wc -l < one.alerts) alerts, $(wc -l < one.trends) trends; chunked with" \
    "state: $(cat a.alerts b.alerts | wc -l), $(cat a.trends b.trends | wc -l); second chunk" \
    "cold: $(wc -l < cold.alerts) alerts"
exit $fail
