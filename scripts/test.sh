#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (CTest). Tests that need a GPU
# skip with a printed reason where there is none.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TRAWL_BUILD_DIR:-$root/build}

TRAWL_SETUP=test "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" "$@"
