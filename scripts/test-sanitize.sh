#!/usr/bin/env bash
# The sanitizer run (docs/sanitizers.md): builds the native code with ASan and
# UBSan into build/native-sanitize, runs the runner and master tests against
# it, and fails if any process wrote a sanitizer report, even one whose test
# passed (a runner's stderr may go to a daemon's log, not to a test).
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --out build/native-sanitize --CDEMBLY_SANITIZE=ON
npm run build:ts

reports=$(mktemp -d "${TMPDIR:-/tmp}/embly-sanitize.XXXXXX")
export EMBLY_NATIVE_BUILD=build/native-sanitize
# Node is not instrumented: the addon's sanitizer runtimes must be loaded first.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export LD_PRELOAD
# The runner's own defaults (native/runtime/sanitizer_options.c), for Node and
# everything it starts too, and every report into $reports (pid appended).
export ASAN_OPTIONS="halt_on_error=1:handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=0:detect_stack_use_after_return=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"

# Left out, each for a reason in docs/sanitizers.md ("What is left out").
exclusions=(
  --match '!*RLIMIT_DATA*'
  --match '!*holds no more memory than after the first 5,000'
  --match '!*keeps its runner flat'
  --match '!*swapped out before it ended*'
)
[ $# -gt 0 ] || set -- dist/test/runner/ dist/test/master/
# UBSan, linked with ASan, writes its reports to stderr whatever log_path says:
# the tests' output (where runners started by the tests write theirs) is kept too.
status=0
npx ava --timeout 10m "${exclusions[@]}" "$@" 2>&1 | tee "$reports/tests.out" || status=1

# ASan also logs a warning about swapcontext into every runner's file: only
# errors count.
if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$reports"/*; then
  echo "test:sanitize: the sanitizers reported errors (files above):" >&2
  grep -h -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$reports"/* >&2
  status=1
else
  rm -rf "$reports"
fi
exit "$status"
