#!/usr/bin/env bash
# Runs every micro-benchmark of the release build, 5 repetitions each, and prints the medians
# (CPU time; items/s). Usage: bench/run.sh [build dir, default build/release] [filter regex]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
filter=${2:-.}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in parse/parse_bench text/text_bench sentiment/sentiment_bench window/window_bench \
         detect/detect_bench pipeline/replay_bench pipeline/stream_bench; do
    bin="$build/bench/$b"
    [[ -x "$bin" ]] || { echo "missing $bin (build the release preset first)" >&2; exit 1; }
    "$bin" --benchmark_filter="$filter" --benchmark_repetitions=5 \
        --benchmark_report_aggregates_only=true 2>/dev/null | grep -E "_median" || true
done
