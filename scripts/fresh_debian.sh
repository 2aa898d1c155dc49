#!/usr/bin/env bash
# Checks trawl on a fresh Debian 12, as a new user gets it, with no Docker
# engine: a minimal Debian made by debootstrap in a temporary directory,
# entered with chroot (root only; needs Debian's package mirror).
#   scripts/fresh_debian.sh deb DEB      # installs only the .deb, scans a repository
#   scripts/fresh_debian.sh source       # the README's two commands on a copy of HEAD
# `deb` installs the package with apt (which resolves its Depends), checks the
# man page and completions are in place and that `trawl scan` finds a secret
# in a repository made here (the repository is made outside: the fresh
# system has no git). `source` copies the committed tree (git archive HEAD)
# in and runs `scripts/scan.sh` and then `scripts/test.sh`, as the README
# says, from nothing.
# The system is removed afterwards, its mounts first; TRAWL_DEBIAN_MIRROR
# chooses the mirror (default deb.debian.org).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
case $mode in
  deb)
    deb=${2:-}
    [ -f "$deb" ] || {
      echo "usage: scripts/fresh_debian.sh deb PATH.deb" >&2
      exit 2
    }
    deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
    ;;
  source) ;;
  *)
    echo "usage: scripts/fresh_debian.sh deb PATH.deb | source" >&2
    exit 2
    ;;
esac
[ "$(id -u)" = 0 ] || {
  echo "fresh_debian: debootstrap and chroot need root" >&2
  exit 2
}
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >&2

work=$(mktemp -d)
sys=$work/debian
mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    m=${mounted[i]}
    umount -l "$m" 2>/dev/null || true
  done
  # Never follow a mount that is still there into the host's files.
  if findmnt -rno TARGET | grep -q "^$work"; then
    echo "fresh_debian: mounts remain under $work; not removing it" >&2
    return
  fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

step() { echo "fresh_debian: $*" >&2; }

step "debootstrap bookworm (minbase) into a temporary directory"
debootstrap --variant=minbase bookworm "$sys" "${TRAWL_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 ||
  {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
  }
for m in proc sys dev dev/pts; do
  mkdir -p "$sys/$m"
  case $m in
    proc) mount -t proc proc "$sys/proc" ;;
    sys) mount -t sysfs sysfs "$sys/sys" ;;
    dev) mount --bind /dev "$sys/dev" ;;
    dev/pts) mount --bind /dev/pts "$sys/dev/pts" ;;
  esac
  mounted+=("$sys/$m")
done
cp /etc/resolv.conf "$sys/etc/resolv.conf"
in_debian() { chroot "$sys" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# A repository with one secret, made here: the fresh system has no git.
fixture() {
  local repo=$1
  git init -q "$repo"
  mkdir -p "$repo/config"
  # An AWS access key id shape, not a real key.
  printf 'aws_access_key_id = AKIA%s\n' "QYLPMN5HFIQR7BXZ" >"$repo/config/prod.env"
  git -C "$repo" add config/prod.env
  git -C "$repo" -c user.name=Ada -c user.email=ada@example.com commit -q -m "add prod config"
}

case $mode in
  deb)
    step "apt-get install $(basename "$deb") (its Depends from Debian)"
    cp "$deb" "$sys/tmp/"
    in_debian apt-get update -qq >&2
    in_debian apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >&2
    for f in /usr/bin/trawl /usr/share/man/man1/trawl.1 /usr/share/bash-completion/completions/trawl \
      /usr/share/zsh/vendor-completions/_trawl /usr/share/fish/vendor_completions.d/trawl.fish; do
      [ -e "$sys$f" ] || {
        echo "fresh_debian: the installed package lacks $f" >&2
        exit 1
      }
    done
    in_debian trawl --version >&2
    fixture "$sys/tmp/repo"
    step "trawl scan of a repository with one secret"
    status=0
    in_debian trawl scan /tmp/repo --report-format json --report-path /tmp/report.json --quiet || status=$?
    # Exit 1: findings.
    [ "$status" = 1 ] || {
      echo "fresh_debian: trawl scan exited $status, expected 1 (findings)" >&2
      exit 1
    }
    grep -q '"rule_id": *"aws-access-key-id"' "$sys/tmp/report.json" || {
      echo "fresh_debian: the report lacks the aws-access-key-id finding" >&2
      exit 1
    }
    step "ok: the .deb alone installs on a fresh Debian 12 and scans"
    ;;
  source)
    step "the committed tree (git archive HEAD) into /src"
    mkdir -p "$sys/src"
    git -C "$root" archive HEAD | tar -x -C "$sys/src"
    fixture "$sys/tmp/repo"
    step "the README's first command: scripts/scan.sh"
    status=0
    in_debian /bin/bash -c 'cd /src && scripts/scan.sh /tmp/repo --quiet' || status=$?
    [ "$status" = 1 ] || {
      echo "fresh_debian: scripts/scan.sh exited $status, expected 1 (findings)" >&2
      exit 1
    }
    step "the README's second command: scripts/test.sh"
    in_debian /bin/bash -c 'cd /src && scripts/test.sh'
    step "ok: a fresh Debian 12 sets up, builds, scans and passes the tests from the README's commands"
    ;;
esac
