#!/usr/bin/env bash
# Prints the path of a Debian root for the systemd test (npm run test:systemd),
# made with debootstrap the first time and kept in a cache outside the
# repository, keyed by the suite and the package list: systemd to boot it
# (with libpam-systemd, so that a user's manager starts for the --user
# install), curl, and what Embly needs to run there (a C compiler for the AOT
# objects, libseccomp for the runners); node and Embly itself are bound in
# from this machine. The test boots it with --volatile=overlay, so it stays
# as made.
# Run as root. Usage: scripts/systemd-root.sh [SUITE] (default: this machine's).
set -euo pipefail

suite=${1:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
packages=systemd,systemd-sysv,dbus,libpam-systemd,curl,gcc,libc6-dev,libseccomp2,libstdc++6
cache=${EMBLY_TEST_ROOTS:-/var/cache/embly-test}
key=$(printf '%s %s\n' "$suite" "$packages" | sha256sum | cut -c1-12)
root="$cache/$suite-$key"

if [[ -f "$root/.embly-test-root" ]]; then
  echo "$root"
  exit 0
fi

for tool in debootstrap systemd-nspawn; do
  command -v "$tool" >/dev/null || { echo "systemd-root: no $tool: install it with scripts/setup.sh --test" >&2; exit 1; }
done
mkdir -p "$cache"
work=$(mktemp -d "$cache/.building-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "systemd-root: debootstrap $suite into $root (once; about a minute)" >&2
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$work/root" >"$work/log" 2>&1; then
  tail -n 40 "$work/log" >&2
  exit 1
fi
# Each boot makes its own machine id; a root with none boots as a new machine.
: >"$work/root/etc/machine-id"
touch "$work/root/.embly-test-root"
rm -rf "$root" "$cache/$suite"-*  # this one, half made, and roots of older package lists
mv "$work/root" "$root"
echo "$root"
