#!/usr/bin/env bash
# Sets up the machine (with the test-only packages) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm test
