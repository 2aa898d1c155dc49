#!/usr/bin/env bash
# gpu_bench.sh - stage 1 on the GPU: the kernels' and backends' throughput
# (trawl_gpu_bench, with the built-in ruleset), then a whole `trawl scan` of
# REPO (or `trawl dir` of DIR with --dir) with --backend cuda against
# --backend cpu, median wall seconds of RUNS interleaved runs, and whether the
# two reports are identical.
#
# usage: bench/gpu_bench.sh [-n RUNS] [-b BUILD_DIR] [--mib MIB] [--no-kernels] [--dir] PATH
# With no usable CUDA device it says so and exits 0.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
RUNS=3
BUILD="$script_dir/../build"
MIB=512
REPO=""
COMMAND=scan
QUIET=(--no-progress)
KERNELS=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) RUNS="$2"; shift 2 ;;
        -b) BUILD="$2"; shift 2 ;;
        --mib) MIB="$2"; shift 2 ;;
        --dir) COMMAND=dir; QUIET=(); shift ;;
        --no-kernels) KERNELS=0; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) REPO="$1"; shift ;;
    esac
done
[[ -n "$REPO" ]] || { echo "usage: ${0##*/} [-n RUNS] [-b BUILD_DIR] [--mib MIB] [--no-kernels] [--dir] PATH" >&2; exit 2; }

"$BUILD/trawl" --version
if ! "$BUILD/trawl" --version | grep -q '^  cuda: usable'; then
    "$BUILD/trawl_gpu_bench"
    exit 0
fi
[[ $KERNELS -eq 0 ]] || "$BUILD/trawl_gpu_bench" "$MIB"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$RUNS"); do
    for backend in cuda cpu; do
        start=$(date +%s.%N)
        "$BUILD/trawl" "$COMMAND" "$REPO" "${QUIET[@]}" --backend "$backend" -f gitleaks -r "$work/$backend.json" \
            2>"$work/$backend.err" || [[ $? -eq 1 ]]
        end=$(date +%s.%N)
        awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >>"$work/$backend.times"
    done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "| backend | median wall s (of $RUNS) |"
echo "|---|---:|"
echo "| trawl $COMMAND --backend cuda | $(median "$work/cuda.times") |"
echo "| trawl $COMMAND --backend cpu | $(median "$work/cpu.times") |"
echo "cuda runs: $(tr '\n' ' ' <"$work/cuda.times")  cpu runs: $(tr '\n' ' ' <"$work/cpu.times")"
grep '^trawl: [0-9]* finding' "$work/cuda.err" | tail -n 1
grep '^trawl: [0-9]* finding' "$work/cpu.err" | tail -n 1
if cmp -s "$work/cuda.json" "$work/cpu.json"; then echo "reports: identical"; else echo "reports: DIFFER"; exit 1; fi
