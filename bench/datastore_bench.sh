#!/usr/bin/env bash
# datastore_bench.sh - what a datastore costs a scan, side by side: per round,
# `trawl scan REPO` without a store, the first scan into a fresh store, and
# the same scan again into that store (nothing new). Rounds are interleaved
# so machine noise hits every variant alike; the table gives median wall
# seconds, peak RSS, and each variant's ratio to the scan without a store.
#
# usage: bench/datastore_bench.sh [-n RUNS] [-t TRAWL_BINARY] [-s STORE] REPO_PATH
#
#   -n RUNS          rounds (default 3)
#   -t TRAWL_BINARY  trawl executable (default: <repo root>/build/trawl)
#   -s STORE         a postgresql://... URL to use instead of a SQLite file
#                    (each round drops and recreates its tables through trawl:
#                    give an empty database you own)
#
# Issue targets: the first scan no more than 1.10x the scan without a store;
# the second under 0.10x of the first.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
RUNS=3
TRAWL="$script_dir/../build/trawl"
STORE=""
while (($#)); do
    case "$1" in
        -n) RUNS=$2; shift 2 ;;
        -t) TRAWL=$2; shift 2 ;;
        -s) STORE=$2; shift 2 ;;
        -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
        -*) echo "${0##*/}: unknown option: $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# -eq 1 && -d $1 ]] || { echo "usage: ${0##*/} [-n RUNS] [-t TRAWL_BINARY] [-s STORE] REPO_PATH" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "${0##*/}: RUNS must be a positive integer" >&2; exit 2; }
[[ -x $TRAWL ]] || { echo "${0##*/}: no trawl binary at $TRAWL" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "${0##*/}: GNU time (/usr/bin/time) is missing" >&2; exit 2; }
REPO=$1
if [[ -n $STORE && $STORE != postgresql://* && $STORE != postgres://* ]]; then
    echo "${0##*/}: -s takes a postgresql:// URL" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One timed run: appends "seconds rss_kib" to $work/<name>.
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$work/time" "$TRAWL" scan "$REPO" -f json -r "$work/report.json" "$@" \
        >/dev/null 2>"$work/stderr" || {
        local rc=$?
        # 1: findings were reported; anything else is a failure.
        if [[ $rc -ne 1 ]]; then
            echo "${0##*/}: $name failed (exit $rc):" >&2
            cat "$work/stderr" >&2
            exit 3
        fi
    }
    tail -n 1 "$work/time" >>"$work/$name"
    # The summary's count ("trawl: N findings ..."), to show every variant found the same.
    sed -n 's/^trawl: \([0-9]*\) finding.*/\1/p' "$work/stderr" | head -n 1 >>"$work/$name.findings"
}

reset_store() {
    if [[ -n $STORE ]]; then
        # trawl creates its schema in an empty database; empty it through psql.
        psql -q "$STORE" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
    else
        rm -f "$work/store.db" "$work/store.db-wal" "$work/store.db-shm"
    fi
}
store_arg() {
    if [[ -n $STORE ]]; then echo "$STORE"; else echo "$work/store.db"; fi
}

for ((round = 1; round <= RUNS; round++)); do
    echo "round $round of $RUNS" >&2
    timed none
    reset_store
    timed first --datastore "$(store_arg)"
    timed second --datastore "$(store_arg)"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
none_s=$(cut -d' ' -f1 "$work/none" | median)
first_s=$(cut -d' ' -f1 "$work/first" | median)
echo "| run | median wall s | runs (s) | peak RSS MiB | ratio to no store | findings |"
echo "|---|---:|---|---:|---:|---:|"
for name in none first second; do
    s=$(cut -d' ' -f1 "$work/$name" | median)
    runs=$(cut -d' ' -f1 "$work/$name" | paste -sd' ')
    rss=$(cut -d' ' -f2 "$work/$name" | sort -n | tail -n 1)
    findings=$(sort -u "$work/$name.findings" | paste -sd/)
    label=$name
    case $name in
        none) label="no datastore" ;;
        first) label="first scan, fresh store" ;;
        second) label="second scan, nothing new" ;;
    esac
    awk -v l="$label" -v s="$s" -v r="$runs" -v m="$rss" -v n="$none_s" -v f="$findings" \
        'BEGIN { printf "| %s | %.2f | %s | %.0f | %.3f | %s |\n", l, s, r, m / 1024, s / n, f }'
done
awk -v f="$first_s" -v n="$none_s" 'BEGIN { printf "\nfirst / none: %.3f (target <= 1.10)\n", f / n }'
second_s=$(cut -d' ' -f1 "$work/second" | median)
awk -v s="$second_s" -v f="$first_s" 'BEGIN { printf "second / first: %.3f (target < 0.10)\n", s / f }'
