#!/usr/bin/env bash
# One run of the end-to-end harness under a system-wide `perf record`, then, per pulso process
# (the embedded broker, `pulso run` with 1 worker, with 2 workers, in that order of start),
# the CPU samples it took and how many of them were the kernel faulting in fresh pages
# (clear_page_erms, exc_page_fault, do_anonymous_page, __handle_mm_fault). At 999 Hz a sample
# is ~1 ms of CPU. Environment variables given before the script reach `pulso run`, e.g.
#
#   PULSO_KAFKA_PROPERTIES=fetch.max.bytes=8388608 bench/e2e_profile.sh [messages] [partitions]
#
# Needs perf (linux-perf) and a release build (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${1:-640000}"
partitions="${2:-64}"
bin=build/release/bench/e2e/e2e_bench
[[ -x "$bin" ]] || { echo "e2e_profile: $bin missing: run scripts/setup.sh first" >&2; exit 2; }
data="$(mktemp /tmp/pulso-e2e-profile.XXXXXX)"
trap 'rm -f "$data"' EXIT

perf record -q -F 999 -a -o "$data" -- "$bin" --messages "$messages" --partitions "$partitions" \
    --runs 1 2>&1 | grep -E '^run 1|^  \('
perf script -i "$data" -F comm,pid,tid,ip,sym 2>/dev/null | awk '
    { split($2, id, "/"); pid = id[1]
      if (!(pid in seen)) { seen[pid] = 1; order[n++] = pid }
      if ($1 == "pulso") is_pulso[pid] = 1
      samples[pid]++
      if ($0 ~ /clear_page_erms|exc_page_fault|do_anonymous_page|__handle_mm_fault/) faults[pid]++ }
    END { for (i = 0; i < n; i++) { p = order[i]
            if (is_pulso[p]) printf "pulso pid %s: %d samples, %d in page faults (%.0f %%)\n",
                p, samples[p], faults[p], 100 * faults[p] / samples[p] } }'
