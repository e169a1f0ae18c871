#!/usr/bin/env bash
# Sets up (Debian packages, idempotently), builds and runs every test:
#   1. release build with -Werror: unit, golden, integration and fault tests, bench smoke runs
#   2. ASan+UBSan build: the unit tests
#   3. libFuzzer (clang): the parser, the text path and the config loader, 30 s each
#   4. TSan build: the concurrent tests (label tsan), `pulso run` end to end included
# Usage: scripts/test.sh [--quick]   (--quick: only step 1)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs=$(nproc)
t0=$(date +%s)
step() { echo; echo "=== $* ($(($(date +%s) - t0)) s)"; }

step "setup and release build"
./scripts/setup.sh release
step "clang-format check"
unformatted=$(git ls-files '*.cpp' '*.h' | xargs -r clang-format --dry-run 2>&1 | grep -c warning || true)
if [[ "$unformatted" != 0 ]]; then
    git ls-files '*.cpp' '*.h' | xargs -r clang-format --dry-run 2>&1 | grep warning | head -20
    echo "clang-format: $unformatted places differ (run clang-format -i on the files above)" >&2
    exit 1
fi

step "release tests"
ctest --preset release -j "$jobs" --timeout 600

if ((quick)); then
    step "done (quick)"
    exit 0
fi

step "ASan+UBSan build"
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
step "ASan+UBSan unit tests"
ctest --preset asan -j "$jobs" --timeout 600

step "libFuzzer: the parser, the text path and the config loader, 30 s each (clang)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target parse_fuzz text_fuzz config_fuzz
ctest --preset fuzz --timeout 300

step "TSan build"
cmake --preset tsan >/dev/null
# Only the tests labelled tsan are built under TSan: the engine's threads and rings, the HTTP
# server, the alert dispatcher, the Kafka connector and `pulso run` end to end (its workers,
# publisher and sinks on real librdkafka threads). TSAN_OPTIONS, with the librdkafka
# suppressions, comes from the test preset (CMakePresets.json).
tsan_targets=(pulso queue_test stream_engine_test reload_test alerting_test http_test kafka_test
    stream_run_test stream_crash_test stream_group_test stream_fault_test stream_reload_test
    stream_state_test)
cmake --build --preset tsan -j "$jobs" --target "${tsan_targets[@]}"
step "TSan concurrent tests"
ctest --preset tsan -j "$jobs" --timeout 900
step "all tests passed"
