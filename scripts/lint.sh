#!/usr/bin/env bash
# Checks formatting (clang-format) and, with --tidy, runs clang-tidy over the
# sources using the build's compile_commands.json. Exits non-zero on any
# finding.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TRAWL_BUILD_DIR:-$root/build}
cd "$root"

mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'cuda/*.cpp' 'cuda/*.h' 'cuda/*.cu' 'bench/*.cpp')
clang-format --dry-run --Werror "${sources[@]}"
echo "lint: clang-format clean (${#sources[@]} files)" >&2

if [[ ${1:-} == --tidy ]]; then
  [[ -f $build/compile_commands.json ]] || { echo "lint: build first (scripts/build.sh)" >&2; exit 2; }
  # fuzzer_main.cpp is compiled only in a fuzzing build.
  mapfile -t units < <(git ls-files 'src/*.cpp' 'cuda/*.cpp' 'tests/*.cpp' 'bench/*.cpp' | grep -v 'tests/fuzz/fuzzer_main.cpp')
  printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet
  echo "lint: clang-tidy clean (${#units[@]} files)" >&2
fi
