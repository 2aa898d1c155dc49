#!/usr/bin/env bash
# Sets up, builds if needed, and scans a repository's whole history:
#   scripts/scan.sh [PATH] [trawl scan options...]
# PATH defaults to the current directory. The report goes to stdout unless
# --report-path is given; the summary goes to stderr. Installs only what
# building trawl needs (scripts/setup.sh build): no test or lint tools.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TRAWL_BUILD_DIR:-$root/build}

TRAWL_SETUP=build "$root/scripts/build.sh"
exec "$build/trawl" scan "$@"
