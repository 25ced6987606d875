#!/usr/bin/env bash
# Sets up the machine, builds the example project, runs each hello once
# through `embly exec`, then serves every gateway with `embly run` (Ctrl-C
# stops it) and prints where to curl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/embly.js build examples
for fn in hello-rust hello-c hello-as hello-wat fanout; do
  echo "--- embly exec $fn"
  printf 'GET / HTTP/1.1\r\nHost: example\r\n\r\n' | node bin/embly.js exec "$fn" --project examples
  echo
done
echo "--- embly run examples (Ctrl-C to stop)"
exec node bin/embly.js run examples
