#!/usr/bin/env bash
# sweep_bench.sh - `trawl sweep` over many local repositories with real
# histories: the first night (every blob read) and the second (nothing new),
# wall seconds, repositories per hour and peak RSS of each, side by side.
#
# usage: bench/sweep_bench.sh [-n REPOS] [-j JOBS] [-t TRAWL_BINARY] REPO...
#
# REPO... are git repositories (bare or not) to sweep; the first REPOS of
# them (default 100) are copied into a temporary directory (objects
# hard-linked where the file system allows) so nothing of the originals is
# written, and listed in a manifest with their sizes (in KiB, for the
# shards' balance). The store is a fresh SQLite file.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPOS=100
JOBS=4
TRAWL="$script_dir/../build/trawl"
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) REPOS=$2; shift 2 ;;
        -j) JOBS=$2; shift 2 ;;
        -t) TRAWL=$2; shift 2 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || { echo "usage: ${0##*/} [-n REPOS] [-j JOBS] [-t TRAWL_BINARY] REPO..." >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "sweep_bench: /usr/bin/time is missing (Debian's time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repos"
count=0
: >"$work/manifest.jsonl"
for src in "$@"; do
    [[ $count -lt $REPOS ]] || break
    git --git-dir="$src" rev-parse --git-dir >/dev/null 2>&1 || git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || continue
    name=$(printf 'repo-%03d' "$count")
    git clone -q --bare --local "$src" "$work/repos/$name.git" 2>/dev/null || continue
    size=$(du -sk "$work/repos/$name.git" | cut -f1)
    printf '{"name": "%s", "path": "repos/%s.git", "size": %s}\n' "$name" "$name" "$size" >>"$work/manifest.jsonl"
    count=$((count + 1))
done
[[ $count -gt 0 ]] || { echo "sweep_bench: none of the arguments is a git repository" >&2; exit 2; }
echo "repositories: $count, $(du -sh "$work/repos" | cut -f1) of git objects" >&2

night() { # name -> "seconds rss_kib" in $work/name.time, the summary line in $work/name.err
    /usr/bin/time -f "%e %M" -o "$work/$1.time" "$TRAWL" sweep "$work/manifest.jsonl" --datastore "$work/store.db" \
        --jobs "$JOBS" --no-repo-config >/dev/null 2>"$work/$1.err" || [[ $? -eq 1 ]]
    tail -n 1 "$work/$1.time" >"$work/$1.one"
}
night first
night second

echo "| night | wall s | repositories per hour | peak RSS MiB | summary |"
echo "|---|---:|---:|---:|---|"
for n in first second; do
    read -r secs rss <"$work/$n.one"
    per_hour=$(echo "scale=0; $count * 3600 / ($secs + 0.005)" | bc)
    echo "| $n | $secs | $per_hour | $((rss / 1024)) | $(grep -E '^trawl: ' "$work/$n.err" | tail -n 1 | cut -c1-160) |"
done
