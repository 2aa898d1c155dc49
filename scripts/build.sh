#!/usr/bin/env bash
# Installs what is missing, then configures and builds trawl (Release) in
# build/ (or $TRAWL_BUILD_DIR). Extra arguments go to CMake's configure step,
# e.g. -DTRAWL_CUDA=OFF. TRAWL_SETUP=build installs and builds only what
# scanning needs (no tests, so no GoogleTest or clang-tidy); the default,
# TRAWL_SETUP=test, also the test suite and its tools.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TRAWL_BUILD_DIR:-$root/build}
profile=${TRAWL_SETUP:-test}

"$root/scripts/setup.sh" "$profile"
tests=OFF
if [ "$profile" = test ]; then tests=ON; fi
# A build made for scanning gains its tests when they are asked for; a build
# with tests keeps them.
configure=()
if [ ! -f "$build/CMakeCache.txt" ]; then
  configure=(-DTRAWL_BUILD_TESTS="$tests")
elif [ "$tests" = ON ] && ! grep -q '^TRAWL_BUILD_TESTS:BOOL=ON$' "$build/CMakeCache.txt"; then
  configure=(-DTRAWL_BUILD_TESTS=ON)
fi
if [ ${#configure[@]} -gt 0 ] || [ $# -gt 0 ]; then
  cmake -S "$root" -B "$build" -G Ninja "${configure[@]}" "$@" >&2
fi
cmake --build "$build" --parallel "$(nproc)" >&2
