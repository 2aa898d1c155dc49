#!/usr/bin/env bash
# image_bench.sh - `trawl image` against the floor of decompressing the same
# image's layers (`gzip -dc LAYER | tar -xO`, `zstd -dc LAYER | tar -xO`, to
# /dev/null), side by side, interleaved, median wall seconds of RUNS rounds
# and peak RSS. The image is built here, without a Docker engine: umoci puts
# DIR into LAYERS gzip layers (DIR split by its top-level entries), skopeo
# writes the zstd copy.
#
# -k KEEP keeps the built image in directory KEEP and reuses it on a later
# run with the same KEEP (building a multi-GB image takes minutes).
#
# -x ARGS adds options to every trawl run (e.g. -x "--archive-depth 0": the
# floor never opens the .jar/.zip/.tar files inside layers that trawl does).
#
# usage: bench/image_bench.sh [-n RUNS] [-l LAYERS] [-b BUILD_DIR] [-k KEEP] [-x ARGS] DIR
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
RUNS=3
LAYERS=4
BUILD="$script_dir/../build"
KEEP=""
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) RUNS=$2; shift 2 ;;
        -l) LAYERS=$2; shift 2 ;;
        -b) BUILD=$2; shift 2 ;;
        -k) KEEP=$2; shift 2 ;;
        -x) read -r -a EXTRA <<<"$2"; shift 2 ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[[ $# -eq 1 && -d $1 ]] || { echo "usage: ${0##*/} [-n RUNS] [-l LAYERS] [-b BUILD_DIR] [-k KEEP] [-x ARGS] DIR" >&2; exit 2; }
SRC=$(cd "$1" && pwd)
for tool in umoci skopeo zstd gzip /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "image_bench: $tool is missing (scripts/setup.sh test installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
images=$work
if [[ -n $KEEP ]]; then
    mkdir -p "$KEEP"
    images=$(cd "$KEEP" && pwd)
fi
cd "$images"
if [[ ! -f zst/index.json ]]; then
    rm -rf gz zst bundle
    umoci init --layout gz >/dev/null
    umoci new --image gz:bench >/dev/null
    mapfile -t entries < <(find "$SRC" -mindepth 1 -maxdepth 1 | sort)
    for ((layer = 0; layer < LAYERS; layer++)); do
        umoci unpack --rootless --image gz:bench bundle >/dev/null
        for ((i = layer; i < ${#entries[@]}; i += LAYERS)); do
            cp -a "${entries[$i]}" bundle/rootfs/ 2>/dev/null || true
        done
        umoci repack --image gz:bench --history.created_by "COPY part $layer" bundle >/dev/null
        chmod -R u+w bundle && rm -rf bundle
    done
    skopeo copy -q --dest-compress-format zstd --dest-compress oci:gz:bench oci:zst:bench
fi

layers_of() { # layout -> its layer blobs, from the manifest
    python3 - "$1" <<'EOF'
import json, sys
layout = sys.argv[1]
index = json.load(open(f"{layout}/index.json"))
digest = index["manifests"][0]["digest"].split(":")[1]
manifest = json.load(open(f"{layout}/blobs/sha256/{digest}"))
for layer in manifest["layers"]:
    print(f"{layout}/blobs/sha256/{layer['digest'].split(':')[1]}")
EOF
}
mapfile -t gz_layers < <(layers_of gz)
mapfile -t zst_layers < <(layers_of zst)
echo "image: $(du -sh gz | cut -f1) gzip, $(du -sh zst | cut -f1) zstd, ${#gz_layers[@]} layers from $SRC" >&2

export gz_layers_list="${gz_layers[*]}" zst_layers_list="${zst_layers[*]}"

run() { # name command... ; appends "seconds rss_kib" to $work/name.times
    local name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/$name.one" "$@" >/dev/null 2>"$work/$name.err" || [[ $? -eq 1 ]]
    # time(1) writes a line of its own first when the command exits non-zero (1: findings).
    tail -n 1 "$work/$name.one" >>"$work/$name.times"
}
for _ in $(seq "$RUNS"); do
    run trawl_gz "$BUILD/trawl" image gz --no-repo-config -f json "${EXTRA[@]}"
    run floor_gz bash -c 'for l in $gz_layers_list; do gzip -dc "$l" | tar -xO >/dev/null; done'
    run trawl_zst "$BUILD/trawl" image zst --no-repo-config -f json "${EXTRA[@]}"
    run floor_zst bash -c 'for l in $zst_layers_list; do zstd -qdc "$l" | tar -xO >/dev/null; done'
done

median() { awk '{print $1}' "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak() { awk '{print $2}' "$1" | sort -n | tail -1; }
echo "trawl options: --no-repo-config -f json ${EXTRA[*]}"
echo "| command | median wall s (of $RUNS) | peak RSS MiB | ratio to its floor |"
echo "|---|---:|---:|---:|"
for c in gz zst; do
    t=$(median "$work/trawl_$c.times")
    f=$(median "$work/floor_$c.times")
    echo "| trawl image ($c layers) | $t | $(($(peak "$work/trawl_$c.times") / 1024)) | $(echo "scale=2; $t / $f" | bc) |"
    echo "| floor: decompress + tar -xO ($c) | $f | $(($(peak "$work/floor_$c.times") / 1024)) | 1.00 |"
done
