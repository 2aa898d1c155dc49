#!/usr/bin/env bash
# Builds trawl's .deb from a build directory (CPack), checks it and puts it
# in OUT_DIR:
#   scripts/package.sh [BUILD_DIR] [OUT_DIR]   # default: build/ and BUILD_DIR
# The checks: the package holds the program, its man page and completions,
# its Depends name the shared libraries the program links, and the program
# unpacked alone from the package (dpkg -x, no install) runs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "package: $*" >&2
  exit 1
}

cmake --build "$build" --target trawl trawl_docs >&2
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/cpack" >&2)
deb=$(find "$work/cpack" -maxdepth 1 -name 'trawl_*.deb')
[ -n "$deb" ] || fail "cpack made no trawl_*.deb"

contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/trawl ./usr/share/man/man1/trawl.1 ./usr/share/bash-completion/completions/trawl \
  ./usr/share/zsh/vendor-completions/_trawl ./usr/share/fish/vendor_completions.d/trawl.fish; do
  grep -q " $file\$" <<<"$contents" || fail "$deb lacks $file"
done

# Every library the program links comes from a package the .deb depends on.
# (No pipe here ends early: with pipefail, a writer's SIGPIPE would fail.)
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "$deb has no Depends"
depended=$(tr ',|' '\n\n' <<<"$depends" | awk '{ print $1 }')
libraries=$(ldconfig -p)
while read -r library; do
  path=$(awk -v lib="$library" '$1 == lib && !found { print $NF; found = 1 }' <<<"$libraries")
  [ -n "$path" ] || fail "no $library on this machine"
  # dpkg knows a library by the path its package ships, /usr/lib or /lib.
  owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null) || owner=$(dpkg -S "$path")
  package=$(awk -F: 'NR == 1 { print $1 }' <<<"$owner")
  grep -qxF "$package" <<<"$depended" || fail "Depends ($depends) lacks $package, which holds $library"
done < <(objdump -p "$build/trawl" | awk '$1 == "NEEDED" { print $2 }')

dpkg -x "$deb" "$work/root"
version=$("$work/root/usr/bin/trawl" --version)
grep -q "^trawl $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt") (commit " <<<"$version" ||
  fail "the unpacked trawl says: $version"

cp "$deb" "$out/"
echo "package: $out/$(basename "$deb")" >&2
echo "package: Depends: $depends" >&2
