#!/usr/bin/env bash
# Installs what is missing, then configures and builds trawl (Release) in
# build/ (or $TRAWL_BUILD_DIR). Extra arguments go to CMake's configure step,
# e.g. -DTRAWL_CUDA=OFF.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TRAWL_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
if [ ! -f "$build/CMakeCache.txt" ] || [ $# -gt 0 ]; then
  cmake -S "$root" -B "$build" -G Ninja "$@" >&2
fi
cmake --build "$build" --parallel "$(nproc)" >&2
