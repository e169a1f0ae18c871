#!/usr/bin/env bash
# Deterministic A/B of a micro-benchmark on a noisy machine: runs one benchmark (one
# iteration) of each given build under valgrind's cachegrind and prints the instructions
# executed and the simulated first-level data-cache misses. Timings on a shared 2-vCPU VM
# spread ±20–30 % between identical runs; these counts repeat (instructions to a few in a
# billion, simulated misses within ~1 %), so a change of a few per cent in work or in cache
# behaviour is visible. They are a proxy, not a timing: the simulated caches are not the
# machine's (cachegrind models D1 and the last level only).
#
#   bench/cachegrind.sh BENCH_BINARY_PATH_IN_BUILD FILTER BUILD_DIR...
#   bench/cachegrind.sh bench/pipeline/stream_bench 'partitions:64$' /tmp/base/build/release build/release
#
# The runs go in parallel, one per build. Needs valgrind (Debian package `valgrind`).
set -euo pipefail
if [[ $# -lt 3 ]]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
bench=$1
filter=$2
shift 2
out=$(mktemp -d)
i=0
for build in "$@"; do
    bin="$build/$bench"
    [[ -x "$bin" ]] || { echo "missing $bin" >&2; exit 1; }
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$out/cg.$i" \
        "$bin" --benchmark_filter="$filter" --benchmark_min_time=0.001 >"$out/out.$i" 2>"$out/log.$i" &
    i=$((i + 1))
done
wait
i=0
for build in "$@"; do
    # One benchmark each: a filter matching none (or several) would print a count of
    # something else (start-up alone, or a sum).
    n=$(grep -c '^BM_' "$out/out.$i" || true)
    if [[ "$n" != 1 ]]; then
        echo "$build: '$filter' ran $n benchmarks, not 1 (see --benchmark_list_tests)" >&2
        rm -rf "$out"
        exit 1
    fi
    i=$((i + 1))
done
i=0
printf '%-40s %16s %14s %14s\n' build instructions D1-read-miss D1-write-miss
for build in "$@"; do
    awk -v b="$build" '/I *refs:/ {gsub(",", "", $4); ir = $4}
        /D1  misses:/ {gsub(",", "", $6); gsub(",", "", $9); rd = $6; wr = $9}
        END {printf "%-40s %16s %14s %14s\n", b, ir, rd, wr}' "$out/log.$i"
    i=$((i + 1))
done
rm -rf "$out"
