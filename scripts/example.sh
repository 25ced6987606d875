#!/usr/bin/env bash
# Sets up the machine, builds the example project and runs each hello
# function once through `embly exec`, printing its HTTP response.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/embly.js build examples
for fn in hello-rust hello-c hello-as hello-wat fanout; do
  echo "--- embly exec $fn"
  printf 'GET / HTTP/1.1\r\nHost: example\r\n\r\n' | node bin/embly.js exec "$fn" --project examples
  echo
done
