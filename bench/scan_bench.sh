#!/usr/bin/env bash
# scan_bench.sh - compare trawl's wall time and peak memory on a git history
# against the floor for reading that history (git cat-file over every object)
# and against what diff-based scanners read (git log -p over all refs).
#
# usage: bench/scan_bench.sh [-n RUNS] [-t TRAWL_BINARY] [-b BASELINE_BINARY]
#                            [--trawl-args "..."] [--no-log] [--log-revs "..."] REPO_PATH
#
# Each tool runs RUNS times, interleaved round-robin (run 1 of every tool, then
# run 2 of every tool, ...) so machine noise hits all tools alike. Wall seconds
# and peak RSS come from GNU time (/usr/bin/time). Output is a markdown table.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root_dir=$(cd -- "$script_dir/.." && pwd -P)

RUNS=3
TRAWL="$root_dir/build/trawl"
TRAWL_ARGS=""
BASELINE=""
WITH_LOG=1
WITH_LIBGIT2=1
WITH_WHOLE=0
LOG_REVS="--all"
REPO=""
GNU_TIME=/usr/bin/time

usage() {
    cat <<EOF
usage: ${0##*/} [-n RUNS] [-t TRAWL_BINARY] [-b BASELINE_BINARY] [--trawl-args "..."] [--no-log]
       [--no-libgit2] [--whole] [--log-revs "..."] REPO_PATH

  -n RUNS              timed runs per tool (default 3)
  -t TRAWL_BINARY      trawl executable (default: <repo root>/build/trawl)
  -b BASELINE_BINARY   another trawl executable (e.g. built from the commit
                       before a change), run side by side as trawl-baseline
  --trawl-args "ARGS"  extra arguments appended to 'trawl scan' (word-split)
  --no-log             skip the slow 'git log -p' comparison
  --no-libgit2         skip trawl with --blob-reader libgit2 (the reader the
                       pack reader replaced)
  --whole              also run trawl with --match-whole-blobs (stage 1 over
                       every byte, not only what each delta adds), as trawl-whole
  --log-revs "REVS"    revisions for 'git log -p' (default "--all"; word-split).
                       Use e.g. "--branches --tags" when some refs reach objects
                       missing from a partial clone (git log -p dies on them).
  -h, --help           show this help

REPO_PATH is a bare repository or a work tree (its .git is used for git).
EOF
}

die() {
    printf '%s: error: %s\n' "${0##*/}" "$*" >&2
    exit 2
}

while (($#)); do
    case "$1" in
        -n) (($# >= 2)) || die "-n needs a value"; RUNS=$2; shift 2 ;;
        -n*) RUNS=${1#-n}; shift ;;
        -t) (($# >= 2)) || die "-t needs a value"; TRAWL=$2; shift 2 ;;
        -b) (($# >= 2)) || die "-b needs a value"; BASELINE=$2; shift 2 ;;
        --trawl-args) (($# >= 2)) || die "--trawl-args needs a value"; TRAWL_ARGS=$2; shift 2 ;;
        --trawl-args=*) TRAWL_ARGS=${1#--trawl-args=}; shift ;;
        --no-log) WITH_LOG=0; shift ;;
        --no-libgit2) WITH_LIBGIT2=0; shift ;;
        --whole) WITH_WHOLE=1; shift ;;
        --log-revs) (($# >= 2)) || die "--log-revs needs a value"; LOG_REVS=$2; shift 2 ;;
        --log-revs=*) LOG_REVS=${1#--log-revs=}; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        -*) usage >&2; die "unknown option: $1" ;;
        *)
            [[ -z $REPO ]] || { usage >&2; die "more than one REPO_PATH given"; }
            REPO=$1; shift ;;
    esac
done
if (($#)); then
    [[ -z $REPO && $# -eq 1 ]] || { usage >&2; die "more than one REPO_PATH given"; }
    REPO=$1
fi

[[ -n $REPO ]] || { usage >&2; die "REPO_PATH is required"; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -d $REPO ]] || die "not a directory: $REPO"
if [[ ! -x $GNU_TIME ]]; then
    die "$GNU_TIME not found; GNU time is required (Debian/Ubuntu: apt-get install -y time)"
fi
command -v git >/dev/null 2>&1 || die "git not found in PATH"
if [[ $TRAWL == */* ]]; then
    [[ -f $TRAWL && -x $TRAWL ]] || die "trawl binary not found or not executable: $TRAWL (build it, or pass -t)"
else
    command -v "$TRAWL" >/dev/null 2>&1 || die "trawl binary not found in PATH: $TRAWL"
fi

if [[ -n $BASELINE ]]; then
    [[ -f $BASELINE && -x $BASELINE ]] || die "baseline binary not found or not executable: $BASELINE"
fi

read -r -a trawl_extra <<<"$TRAWL_ARGS"
read -r -a log_revs <<<"$LOG_REVS"
((${#log_revs[@]})) || die "--log-revs must name at least one revision"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scan_bench.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/home"

# git runs with no system or user configuration so nothing local alters it.
git_env=(env GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config")

# Resolve the git directory: a bare repo is used as is, a work tree via .git.
if [[ -d $REPO/.git || -f $REPO/.git ]]; then
    GIT_DIR_PATH=$("${git_env[@]}" git -C "$REPO" rev-parse --absolute-git-dir) ||
        die "cannot resolve git directory of $REPO"
else
    GIT_DIR_PATH=$(cd -- "$REPO" && pwd -P)
fi
[[ -d $GIT_DIR_PATH/objects ]] || die "no objects/ directory in $GIT_DIR_PATH; is $REPO a git repository?"

# trawl with its own pack reader, and (unless --no-libgit2) with every blob
# read through libgit2, the reader it replaced.
tools=(trawl)
[[ -n $BASELINE ]] && tools+=(trawl-baseline)
((WITH_WHOLE)) && tools+=(trawl-whole)
((WITH_LIBGIT2)) && tools+=(trawl-libgit2)
tools+=(cat-file)
((WITH_LOG)) && tools+=(git-log)

# run_tool TOOL RUN_INDEX: runs one timed invocation, appends "wall rss_kib"
# to $tmp/TOOL.times. Returns nonzero on an unacceptable exit status.
run_tool() {
    local tool=$1 idx=$2
    local tfile="$tmp/$tool.time.$idx" efile="$tmp/$tool.stderr.$idx"
    local -a cmd
    local ok_codes="0"
    case "$tool" in
        trawl | trawl-libgit2 | trawl-baseline | trawl-whole)
            rm -f -- "$tmp/report.json"
            local binary=$TRAWL
            [[ $tool == trawl-baseline ]] && binary=$BASELINE
            cmd=("$binary" scan "$REPO" --report-path "$tmp/report.json" --no-progress "${trawl_extra[@]}")
            [[ $tool == trawl-libgit2 ]] && cmd+=(--blob-reader libgit2)
            [[ $tool == trawl-whole ]] && cmd+=(--match-whole-blobs)
            ok_codes="0 1" # 1 means findings were reported
            ;;
        cat-file)
            cmd=("${git_env[@]}" git --git-dir="$GIT_DIR_PATH" cat-file --batch-all-objects --unordered --batch)
            ;;
        git-log)
            cmd=("${git_env[@]}" git --git-dir="$GIT_DIR_PATH" log -p -U0 --full-history "${log_revs[@]}")
            ;;
        *) die "internal: unknown tool $tool" ;;
    esac

    local rc=0
    "$GNU_TIME" -o "$tfile" -f '%e %M' "${cmd[@]}" >/dev/null 2>"$efile" </dev/null || rc=$?

    local ok=0 c
    for c in $ok_codes; do
        [[ $rc == "$c" ]] && ok=1
    done
    if ((!ok)); then
        printf '%s: error: %s run %d failed (exit %d): %s\n' "${0##*/}" "$tool" "$idx" "$rc" "${cmd[*]}" >&2
        [[ -s $tfile ]] && sed 's/^/  time: /' "$tfile" >&2
        tail -n 20 -- "$efile" | sed 's/^/  stderr: /' >&2
        return 1
    fi

    # GNU time prefixes "Command exited with non-zero status N" when rc != 0;
    # the measurement is always the last line.
    local line wall rss
    line=$(tail -n 1 -- "$tfile")
    read -r wall rss <<<"$line"
    [[ $wall =~ ^[0-9]+(\.[0-9]+)?$ && $rss =~ ^[0-9]+$ ]] ||
        die "could not parse GNU time output for $tool run $idx: '$line'"
    printf '%s %s\n' "$wall" "$rss" >>"$tmp/$tool.times"
    printf '  run %d/%d  %-13s  %8.2f s  %8.1f MiB  (exit %d)\n' \
        "$idx" "$RUNS" "$tool" "$wall" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')" "$rc" >&2
}

# stats FILE: prints "median_wall min_wall max_wall median_rss_mib"
stats() {
    awk '
        function median(a, n,   m) {
            m = int((n + 1) / 2)
            return (n % 2) ? a[m] : (a[m] + a[m + 1]) / 2
        }
        { w[NR] = $1; r[NR] = $2 }
        END {
            n = NR
            # insertion sorts; n is small
            for (i = 2; i <= n; i++) { v = w[i]; j = i - 1; while (j >= 1 && w[j] > v) { w[j + 1] = w[j]; j-- } w[j + 1] = v }
            for (i = 2; i <= n; i++) { v = r[i]; j = i - 1; while (j >= 1 && r[j] > v) { r[j + 1] = r[j]; j-- } r[j + 1] = v }
            printf "%.3f %.2f %.2f %.1f\n", median(w, n), w[1], w[n], median(r, n) / 1024
        }' "$1"
}

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu_model ]] || cpu_model=$(awk -F': *' '/^(Hardware|cpu model|Model)/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
trawl_version=$("$TRAWL" --version 2>/dev/null | head -n 1) || true
[[ -n $trawl_version ]] || trawl_version="unknown"

echo "# trawl scan benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- host: nproc=$(nproc), cpu: ${cpu_model:-unknown}"
echo "- git: $(git --version)"
echo "- trawl: $TRAWL ($trawl_version)"
[[ -n $BASELINE ]] && echo "- trawl-baseline: $BASELINE"
echo "- trawl args: scan REPO --report-path <tmp>/report.json${TRAWL_ARGS:+ $TRAWL_ARGS}"
echo "- repo: $REPO (git dir: $GIT_DIR_PATH)"
((WITH_LOG)) && echo "- git log revisions: $LOG_REVS"
echo "- runs per tool: $RUNS, interleaved round-robin"
echo

for ((i = 1; i <= RUNS; i++)); do
    for tool in "${tools[@]}"; do
        run_tool "$tool" "$i" || exit 1
    done
done
echo >&2

read -r base_med _ _ _ < <(stats "$tmp/cat-file.times")

echo "| tool | median wall s | min s | max s | median peak RSS MiB | wall / cat-file |"
echo "|---|---:|---:|---:|---:|---:|"
for tool in "${tools[@]}"; do
    read -r med mn mx rss < <(stats "$tmp/$tool.times")
    ratio=$(awk -v a="$med" -v b="$base_med" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
    printf '| %s | %.2f | %s | %s | %s | %s |\n' "$tool" "$med" "$mn" "$mx" "$rss" "$ratio"
done
