#!/usr/bin/env bash
# Sets up a Debian 12 or 13 machine to build and run Embly: the Debian
# packages each toolchain needs (only those missing), the npm dependencies
# and the native build. `--test` adds what only the tests need.
# Run as root (or with sudo available) from anywhere in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  ca-certificates cmake g++ make pkg-config   # native build (cmake-js)
  clang lld wasi-libc libclang-rt-dev-wasm32  # C functions -> wasm32-wasi
  rustc cargo libstd-rust-dev-wasm32          # Rust functions -> wasm32-wasi
  libseccomp-dev                              # runner sandbox
  libsimde-dev                                # SIMD modules: wasm2c output calls simde (docs/loader.md, "SIMD")
)
# rustc links wasm with /usr/bin/rust-lld, a link to lld that Debian 12's rustc
# ships and Debian 13 moved to rust-llvm (a Recommends, so not installed below).
if [[ "$(cat /etc/debian_version 2>/dev/null)" != 12.* ]]; then
  packages+=(rust-llvm)
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(wabt prometheus)                 # wast2json for the spec suite; promtool and the server for metrics tests
  packages+=(openssl)                         # the embly/http tests make a CA and certificates
  packages+=(python3-prometheus-client)       # its OpenMetrics parser checks /metrics in that format (promtool reads only the text format)
  packages+=(systemd libplist-utils)          # systemd-analyze verify of the unit; plistutil reads the launchd plist
  packages+=(systemd-container debootstrap)   # npm run test:systemd: a Debian root booted by systemd-nspawn
  packages+=(python3)                         # binds the stand-in NOTIFY_SOCKET (Unix datagrams) in test/service
  packages+=(libclang-rt-dev)                 # libFuzzer and the sanitizers' runtimes for clang: the native/fuzz harnesses (test/fuzz/native.test.ts)
fi

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if (( ${#missing[@]} > 0 )); then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 20.18.1: what undici 7 (the embly/http client) needs.
if ! node -e 'const [a, b, c] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && (b > 18 || (b === 18 && c >= 1))) ? 0 : 1)'; then
  echo "setup: Embly needs Node.js 20.18.1 or newer; this machine has $(node --version)" >&2
  exit 1
fi

# npm ci runs our own install script: the native build (cmake-js).
npm ci --no-audit --no-fund
npm run build:ts
echo "setup: done ($(. /etc/os-release && echo "$PRETTY_NAME"), node $(node --version))"
