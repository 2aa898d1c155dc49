#!/usr/bin/env bash
# Builds trawl and its tests with sanitizers, CPU only, in a build directory
# of their own, and runs tests there:
#   scripts/sanitize.sh asan [ctest options]   # ASan+UBSan, the whole suite, in build-asan/
#   scripts/sanitize.sh tsan [ctest options]   # TSan, the tests that run many threads, in build-tsan/
# The CLI tests run the sanitized trawl binary of that build. Any finding
# aborts the process, so the test that triggered it fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The tests that run many threads: history scans, the object store and pack
# reader, the scan pipeline, image scans (layers are unpacked on one thread
# and hashed on another) and whatever names threads or concurrency.
tsan_tests='(^|/)(HistoryScan|ObjectStore|PackReader|ScanPipeline|ImageScan|ImageInputs|BlobRecorder|BackendChoice|Datastore)\.|Pipeline|Threads|Concurren'

# Debian's libtbb is not built with TSan, so TSan does not see the
# synchronisation inside it (a task handed to a worker, the wait for a
# parallel_for) and reports a race on nearly everything a parallel_for body
# touches, in trawl's own frames too; a suppression broad enough to silence
# that would hide trawl's real races. So the TSan build links oneTBB built
# with TSan from the source of the installed Debian package (apt-get source,
# with apt's state kept under $1), once per build directory, installed in
# $1/install.
tsan_tbb() {
  local dir=$1
  local prefix=$dir/install
  [ -f "$prefix/lib/cmake/TBB/TBBConfig.cmake" ] && return
  local package version
  package=$(dpkg-query -W -f='${source:Package}' libtbb-dev)
  version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
  echo "sanitize: building $package $version with TSan in $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/apt/sources.list.d" "$dir/src"
  # The system's Debian sources, as deb-src entries.
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list >"$dir/apt/sources.list"
  else
    : >"$dir/apt/sources.list"
  fi
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -f "$f" ] && grep -q debian "$f"; then
      sed 's/^Types:.*/Types: deb-src/' "$f" >"$dir/apt/sources.list.d/${f##*/}"
    fi
  done
  local apt=(-q -o Dir::Etc::SourceList="$dir/apt/sources.list" -o Dir::Etc::SourceParts="$dir/apt/sources.list.d"
    -o Dir::State::Lists="$dir/apt/lists" -o Dir::Cache="$dir/apt/cache" -o APT::Sandbox::User="$(id -un)")
  apt-get "${apt[@]}" update >&2
  (cd "$dir/src" && apt-get "${apt[@]}" source "$package=$version" >&2)
  local source
  source=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  [ -n "$source" ] || { echo "sanitize: apt-get source $package=$version unpacked nothing" >&2; exit 1; }
  cmake -S "$source" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_STRICT=OFF \
    -DTBBMALLOC_PROXY_BUILD=OFF -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON -DCMAKE_INSTALL_PREFIX="$prefix" >&2
  cmake --build "$dir/build" --parallel "$(nproc)" >&2
  cmake --install "$dir/build" >&2
}

kind=${1:-}
case $kind in
  asan)
    sanitize=address,undefined
    select=()
    ;;
  tsan)
    sanitize=thread
    select=(--tests-regex "$tsan_tests")
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan [ctest options]" >&2
    exit 2
    ;;
esac
shift
build=${TRAWL_BUILD_DIR:-$root/build-$kind}

"$root/scripts/setup.sh"
# -O1 -g1: line numbers in the reports, at a third less compile time than
# -O2 -g.
configure=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DTRAWL_CUDA=OFF
  -DTRAWL_SANITIZE="$sanitize")
if [ "$kind" = tsan ]; then
  tsan_tbb "$build/tbb"
  configure+=(-DTBB_DIR="$build/tbb/install/lib/cmake/TBB")
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja "${configure[@]}" >&2
fi
cmake --build "$build" --parallel "$(nproc)" --target trawl_tests >&2

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:fast_unwind_on_malloc=0
# tests/lsan.supp: two leaks inside libgit2 on error paths, and why.
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
# tests/ubsan.supp: the reports inside Thrust's headers, and why.
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/ubsan.supp"
export TSAN_OPTIONS=abort_on_error=1:halt_on_error=1:second_deadlock_stack=1
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" "${select[@]}" "$@"
