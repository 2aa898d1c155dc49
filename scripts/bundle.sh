#!/usr/bin/env bash
# bundle.sh - gathers trawl's built binaries with every shared library they
# load and the dynamic loader into one self-contained folder, so they run on
# a machine that has none of trawl's Debian libraries (a GPU machine with only
# the NVIDIA driver, say). The driver's own libcuda is never bundled: it must
# match the machine's kernel module.
#
# usage: scripts/bundle.sh [-b BUILD_DIR] OUT_DIR
#
# OUT_DIR gets one launcher per binary (trawl, trawl_tests, trawl_gpu_bench,
# whichever were built) that runs the real binary from OUT_DIR/libexec through
# OUT_DIR/lib/ld-linux-x86-64.so.2 with OUT_DIR/lib as the only library path,
# plus bench/ and the test data the tests read. `OUT_DIR/trawl --version`
# works anywhere; bench/gpu_bench.sh -b OUT_DIR uses the launchers.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
while [[ $# -gt 0 ]]; do
    case "$1" in
        -b) build=$2; shift 2 ;;
        -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "bundle.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# -eq 1 ]] || { echo "usage: scripts/bundle.sh [-b BUILD_DIR] OUT_DIR" >&2; exit 2; }
out=$1

binaries=()
for candidate in trawl tests/trawl_tests trawl_gpu_bench bench/trawl_gpu_bench; do
    [[ -x $build/$candidate ]] && binaries+=("$build/$candidate")
done
[[ ${#binaries[@]} -gt 0 ]] || { echo "bundle.sh: no trawl binaries in $build (build first)" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/lib" "$out/libexec"

# Libraries the driver provides on the target machine: bundling them would
# pin this machine's driver version there.
is_driver_library() {
    case "$(basename "$1")" in
        libcuda.so* | libnvidia-*.so* | libnvcuvid.so* | libdxcore.so*) return 0 ;;
        *) return 1 ;;
    esac
}

loader=""
for binary in "${binaries[@]}"; do
    cp "$binary" "$out/libexec/"
    # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the loader.
    while read -r first second third _; do
        library=""
        if [[ $second == "=>" && $third == /* ]]; then
            library=$third
        elif [[ $first == /* && $first == *ld-linux* ]]; then
            loader=$first
            library=$first
        fi
        [[ -n $library ]] || continue
        is_driver_library "$library" && continue
        cp -L -n "$library" "$out/lib/"
    done < <(ldd "$binary")
done
[[ -n $loader ]] || { echo "bundle.sh: ldd named no dynamic loader" >&2; exit 2; }
loader_name=$(basename "$loader")

for binary in "${binaries[@]}"; do
    name=$(basename "$binary")
    # The driver's libcuda is found where the target's loader cache says, then
    # in the usual directories (a container mounts the driver under /usr/local/nvidia).
    cat >"$out/$name" <<EOF
#!/bin/sh
here=\$(cd "\$(dirname "\$0")" && pwd)
driver_dirs=/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/lib/x86_64-linux-gnu:/usr/lib64:/usr/local/cuda/lib64:/usr/local/cuda/compat:/usr/lib/wsl/lib
cached=\$(/sbin/ldconfig -p 2>/dev/null | sed -n 's|.*libcuda.so.1 (.*) => \\(.*\\)/libcuda.so.1\$|\\1|p' | head -n 1)
[ -n "\$cached" ] && driver_dirs=\$cached:\$driver_dirs
exec "\$here/lib/$loader_name" --library-path "\$here/lib:\$driver_dirs" "\$here/libexec/$name" "\$@"
EOF
    chmod +x "$out/$name"
done

# gpu_bench.sh and the tests' data travel with the binaries.
mkdir -p "$out/bench" "$out/tests"
cp "$root/bench/gpu_bench.sh" "$out/bench/"
[[ -d $root/tests/data ]] && cp -r "$root/tests/data" "$out/tests/"

du -sh "$out" >&2
echo "bundle.sh: ${#binaries[@]} binaries, $(find "$out/lib" -type f | wc -l) libraries in $out" >&2
