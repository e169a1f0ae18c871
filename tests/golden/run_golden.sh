#!/usr/bin/env bash
# Golden replay: runs `pulso replay` over tests/data/golden/input.ndjson and compares the
# window and dead-letter records byte for byte with the committed expectations.
# Usage: run_golden.sh PULSO_BINARY DATA_DIR OUT_DIR   (PULSO_GOLDEN_UPDATE=1 rewrites them)
set -euo pipefail
pulso=$1 data=$2 out=$3
mkdir -p "$out"
cd "$data"
"$pulso" replay --config config.yaml --input input.ndjson \
    --windows-out "$out/windows.ndjson" --dlq-out "$out/dlq.ndjson" \
    --alerts-out "$out/alerts.ndjson" --trends-out "$out/trends.ndjson" -q
status=0
for f in windows dlq; do
    if [[ "${PULSO_GOLDEN_UPDATE:-0}" == 1 ]]; then
        cp "$out/$f.ndjson" "expected_$f.ndjson"
        echo "updated expected_$f.ndjson"
    elif ! diff -u "expected_$f.ndjson" "$out/$f.ndjson"; then
        echo "golden mismatch: $f (expected $data/expected_$f.ndjson, got $out/$f.ndjson)" >&2
        status=1
    fi
done
# The same file as a Windows tool may write it, with a UTF-8 byte-order mark before the
# first record: the same records out (README "A UTF-8 byte-order mark").
mkdir -p "$out/bom"
{ printf '\xef\xbb\xbf'; cat input.ndjson; } >"$out/bom/input.ndjson"
(cd "$out/bom" && "$pulso" replay --config "$data/config.yaml" --input input.ndjson \
    --windows-out windows.ndjson --dlq-out dlq.ndjson -q)
for f in windows dlq; do
    if ! cmp -s "$out/$f.ndjson" "$out/bom/$f.ndjson"; then
        diff -u "$out/$f.ndjson" "$out/bom/$f.ndjson" | head -20
        echo "golden mismatch: $f differs when the input starts with a byte-order mark" >&2
        status=1
    fi
done
exit $status
