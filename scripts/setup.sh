#!/usr/bin/env bash
# Installs the Debian packages trawl needs, for one purpose:
#   scripts/setup.sh build   # what building (and so scanning) needs
#   scripts/setup.sh test    # that, plus the tests', lint's and packaging's (default)
# Idempotent: only packages that are missing are installed, and apt-get runs
# only if one is.
set -euo pipefail

profile=${1:-test}
build=(
  build-essential cmake ninja-build pkg-config git
  libgit2-dev libtbb-dev libre2-dev libdeflate-dev zlib1g-dev libssl-dev libarchive-dev libsqlite3-dev
  libpq-dev libjemalloc-dev
  libcurl4-openssl-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
)
# GoogleTest, a PostgreSQL server for the datastore's tests, the SARIF schema
# check, the memory ceilings' timer, the format and tidy checks, the man page check and the .deb check (CPack computes the
# Depends with dpkg-shlibdeps, and needs `file` for it).
test=(
  libgtest-dev libgmock-dev
  postgresql
  umoci skopeo docker-registry zstd
  python3 python3-jsonschema time
  clang-format clang-tidy
  groff-base dpkg-dev fakeroot file
)
case $profile in
  build) packages=("${build[@]}") ;;
  test) packages=("${build[@]}" "${test[@]}") ;;
  *)
    echo "usage: scripts/setup.sh [build|test]" >&2
    exit 2
    ;;
esac
# Thrust ships with the CUDA toolkit; without one, Debian's copy (TBB system).
if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  packages+=(libthrust-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
