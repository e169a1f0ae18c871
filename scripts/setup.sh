#!/usr/bin/env bash
# Installs every Debian package that pulso's build, tests and demo need, then configures and
# builds with the given CMake preset (default: release). Idempotent: apt runs only when a
# package is missing; the build is incremental.
#
#   scripts/setup.sh [--deps-only] [preset]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential cmake ninja-build pkg-config git ca-certificates
    librdkafka-dev libsimdjson-dev libboost-dev libboost-system-dev prometheus-cpp-dev
    libhyperscan-dev libutf8proc-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    clang libclang-rt-14-dev clang-format clang-tidy
    kcat prometheus prometheus-alertmanager chromium
    libssl-dev openssl libtcmalloc-minimal4
)

deps_only=0
if [[ "${1:-}" == "--deps-only" ]]; then
    deps_only=1
    shift
fi
preset="${1:-release}"

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "setup: all Debian packages present" >&2
fi

((deps_only)) && exit 0

echo "setup: configuring and building preset '$preset'" >&2
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
