#!/usr/bin/env bash
# gpu_bench.sh - stage 1 on the GPU: the kernels' and backends' throughput
# (trawl_gpu_bench, with the built-in ruleset), then a whole `trawl scan` of
# REPO with --backend cuda against --backend cpu, median wall seconds of RUNS
# interleaved runs, and whether the two reports are identical.
#
# usage: bench/gpu_bench.sh [-n RUNS] [-b BUILD_DIR] [--mib MIB] REPO_PATH
# With no usable CUDA device it says so and exits 0.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
RUNS=3
BUILD="$script_dir/../build"
MIB=512
REPO=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) RUNS="$2"; shift 2 ;;
        -b) BUILD="$2"; shift 2 ;;
        --mib) MIB="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) REPO="$1"; shift ;;
    esac
done
[[ -n "$REPO" ]] || { echo "usage: ${0##*/} [-n RUNS] [-b BUILD_DIR] [--mib MIB] REPO_PATH" >&2; exit 2; }

"$BUILD/trawl" --version
if ! "$BUILD/trawl" --version | grep -q '^  cuda: usable'; then
    "$BUILD/trawl_gpu_bench"
    exit 0
fi
"$BUILD/trawl_gpu_bench" "$MIB"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for run in $(seq "$RUNS"); do
    for backend in cuda cpu; do
        start=$(date +%s.%N)
        "$BUILD/trawl" scan "$REPO" --backend "$backend" -f gitleaks -r "$work/$backend.json" \
            2>"$work/$backend.err" || [[ $? -eq 1 ]]
        end=$(date +%s.%N)
        echo "$end - $start" | bc >>"$work/$backend.times"
    done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "| backend | median wall s (of $RUNS) |"
echo "|---|---:|"
echo "| trawl scan --backend cuda | $(median "$work/cuda.times") |"
echo "| trawl scan --backend cpu | $(median "$work/cpu.times") |"
tail -n 1 "$work/cuda.err"
if cmp -s "$work/cuda.json" "$work/cpu.json"; then echo "reports: identical"; else echo "reports: DIFFER"; exit 1; fi
