#!/usr/bin/env bash
# Sets up the machine (with the test-only packages) and runs every test: the
# suite, the runner and master tests against the sanitizer build, then the
# tests under a real systemd (a few minutes, a minute more the first time,
# when the container's root is made).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm test
npm run test:sanitize    # the runner and master tests under ASan+UBSan (docs/sanitizers.md)
npm run test:systemd     # under a real systemd: boots a container (docs/service.md)
