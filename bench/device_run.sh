#!/usr/bin/env bash
# device_run.sh - the whole GPU check in one call, for a machine that has an
# NVIDIA GPU but none of trawl's libraries: run it there from the repository
# root with a folder made by scripts/bundle.sh (from a build with CUDA).
#
# usage: bench/device_run.sh BUNDLE_DIR [REPO_PATH] [-d DIR] [-n RUNS]
#
# It prints the device, `trawl --version`, runs the CUDA tests (CudaBackend.*,
# CudaKernelSteps.*, BackendChoice.*; the tests that run the
# trawl binary by its build path are left to CI), the kernel throughput bench
# (over DIR's text files too when -d is given), and,
# given a repository, bench/gpu_bench.sh on it (CUDA against CPU, identical
# reports), and given -d DIR the same for `trawl dir DIR`. Every step runs under its own time limit so one hang cannot eat
# the machine's time; the first failing step's status is the exit status.
set -uo pipefail

[[ $# -ge 1 ]] || { echo "usage: bench/device_run.sh BUNDLE_DIR [REPO_PATH] [-d DIR] [-n RUNS]" >&2; exit 2; }
bundle=$(cd "$1" && pwd)
shift
repo=""
dir=""
runs=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) runs=$2; shift 2 ;;
        -d) dir=$2; shift 2 ;;
        *) repo=$1; shift ;;
    esac
done

status=0
step() {
    local limit=$1
    shift
    echo
    echo "== $* (limit ${limit}s) $(date -u +%FT%TZ)"
    timeout "$limit" "$@"
    local rc=$?
    echo "== exit $rc"
    if [[ $rc -ne 0 && $status -eq 0 ]]; then status=$rc; fi
}

step 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
step 30 "$bundle/trawl" --version
if [[ -x $bundle/trawl_tests ]]; then
    step 150 "$bundle/trawl_tests" \
        --gtest_filter='CudaBackend.*:CudaKernelSteps.*:BackendChoice.*-CudaBackend.ScanWithCudaWritesTheSameReportAsScanWithCpu'
fi
if [[ -x $bundle/trawl_gpu_bench ]]; then
    # Given a directory, its text files are the kernel bench's third input.
    step 150 "$bundle/trawl_gpu_bench" 512 ${dir:+"$dir"}
fi
if [[ -n $repo ]]; then
    step 200 bash "$(dirname "${BASH_SOURCE[0]}")/gpu_bench.sh" --no-kernels -n "$runs" -b "$bundle" "$repo"
    # Where a CUDA scan's time goes, phase by phase.
    report=$(mktemp)
    # shellcheck disable=SC2016 # the inner shell expands its own arguments
    step 60 bash -c '"$1" scan "$2" --no-progress --backend cuda -v -f json -r "$3" 2>&1 | grep "^trawl: "' \
        phases "$bundle/trawl" "$repo" "$report"
    rm -f "$report"
fi
if [[ -n $dir ]]; then
    echo "$dir: $(du -sh "$dir" 2>/dev/null | cut -f1), $(find "$dir" -type f | wc -l) files"
    step 240 bash "$(dirname "${BASH_SOURCE[0]}")/gpu_bench.sh" --no-kernels --dir -n "$runs" -b "$bundle" "$dir"
fi
exit "$status"
