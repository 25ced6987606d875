// The runner's seccomp sandbox: a forbidden system call kills the runner and
// is reported as a sandbox violation; everything the runtime itself does
// (traps, timeouts, children, clocks, randomness, logs) still works inside it.
import test from 'ava';
import { join } from 'node:path';
import { nativeBin } from '../../src/paths.js';
import { RunnerStatus } from '../../src/supervisor/index.js';
import { runProcess, watFunction } from '../helpers/objects.js';
import { forbiddenSyscallFunction, runThroughSupervisor } from './helpers.js';

for (const call of ['socket', 'openat'] as const) {
  test(`a function that calls ${call} is killed by seccomp and reported as a sandbox violation`, async (t) => {
    const forbidden = await forbiddenSyscallFunction(call);
    const run = await runThroughSupervisor('forbidden', [forbidden]);
    t.is(run.exit.signal, 'SIGSYS');
    t.is(run.exit.code, null);
    t.true(run.exit.sandboxViolation);
    t.false(run.exit.killed);
    t.is(run.stdout.length, 0, 'the call never returned');
    t.is(run.log.length, 1);
    t.regex(run.log[0]!, /^error SANDBOX VIOLATION: runner \d+ \(forbidden\) made a system call outside its seccomp allowlist/);
  });

  test(`without --sandbox the same ${call} object runs to its end (the control)`, async (t) => {
    const forbidden = await forbiddenSyscallFunction(call);
    const run = await runThroughSupervisor('forbidden', [forbidden], { sandbox: false });
    t.is(run.exit.code, 0, run.stderr);
    t.false(run.exit.sandboxViolation);
    t.regex(run.stdout.toString(), /^the call returned \d+\n$/);
  });
}

test('a runner that crashes inside the sandbox (abort) dies of SIGABRT, not reported as a violation', async (t) => {
  const crashing = await forbiddenSyscallFunction('abort');
  const run = await runThroughSupervisor('forbidden', [crashing]);
  t.is(run.exit.signal, 'SIGABRT');
  t.false(run.exit.sandboxViolation);
  t.false(run.exit.coreDumped, 'RLIMIT_CORE is 0');
  t.true(run.log.some((l) => /^error runner \d+ \(forbidden\) killed by SIGABRT$/.test(l)), run.log.join('\n'));
});

const traps: Array<[string, string, string]> = [
  ['out of bounds', '(i32.store (i32.const 70000) (i32.const 1))', 'out of bounds memory access'],
  ['unreachable', 'unreachable', 'unreachable executed'],
  ['stack exhaustion', '(call $recurse (i32.const 0))', 'call stack exhausted'],
];
for (const [name, body, message] of traps) {
  test(`sandboxed: a trap (${name}) ends the instance with the runner's trap status`, async (t) => {
    const fn = await watFunction('trapper', `(module (memory 1)
      (func $recurse (param i32) (result i32) (i32.add (call $recurse (local.get 0)) (i32.const 1)))
      (func (export "_start") ${name === 'stack exhaustion' ? `(drop ${body})` : body}))`);
    const run = await runThroughSupervisor('trapper', [fn]);
    t.is(run.exit.code, RunnerStatus.trap, run.stderr);
    t.false(run.exit.sandboxViolation);
    t.true(run.stderr.includes(message), run.stderr);
  });
}

test('sandboxed: a busy instance is stopped at its timeout (SIGALRM timer)', async (t) => {
  const fn = await watFunction('spin', '(module (func (export "_start") (loop $l (br $l))))', { timeoutMs: 50 });
  const run = await runThroughSupervisor('spin', [fn]);
  t.is(run.exit.code, RunnerStatus.timeout, run.stderr);
});

test('sandboxed: a child function spawned at run time starts (its object was opened before the sandbox)', async (t) => {
  const child = await watFunction('child', `(module
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "child!")
    (func (export "_start") (drop (call $write (i32.const 1) (i32.const 16) (i32.const 6) (i32.const 8)))))`);
  const parent = await watFunction('parent', `(module
    (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
    (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "child")
    (func (export "_start")
      (if (call $spawn (i32.const 64) (i32.const 5) (i32.const 0)) (then unreachable))
      (block $eof (loop $more
        (drop (call $events (i64.const -1) (i32.const 200) (i32.const 4) (i32.const 4)))
        (if (i32.eqz (call $read (i32.load (i32.const 0)) (i32.const 1024) (i32.const 100) (i32.const 8)))
          (then
            (br_if $eof (i32.eqz (i32.load (i32.const 8))))
            (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
        (br $more)))))`);
  const run = await runThroughSupervisor('parent', [parent, child]);
  t.is(run.exit.code, 0, run.stderr);
  t.is(run.stdout.toString(), 'child!');
});

test('sandboxed: WASI clocks, randomness, sleep, memory.grow and logs work', async (t) => {
  const fn = await watFunction('wasi', `(module
    (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\\10\\00\\00\\00\\04\\00\\00\\00")
    (data (i32.const 16) "log\\n")
    (func (export "_start")
      ;; errnos of six calls, one byte each, at 512
      (i32.store8 (i32.const 512) (call $clock (i32.const 1) (i64.const 1) (i32.const 256)))
      (i32.store8 (i32.const 513) (call $res (i32.const 0) (i32.const 264)))
      (i32.store8 (i32.const 514) (call $random (i32.const 300) (i32.const 64)))
      ;; sleep 20 ms: a relative clock subscription at 400
      (i64.store (i32.const 400) (i64.const 7))
      (i32.store8 (i32.const 408) (i32.const 0))
      (i32.store (i32.const 416) (i32.const 1))
      (i64.store (i32.const 424) (i64.const 20000000))
      (i32.store16 (i32.const 440) (i32.const 0))
      (i32.store8 (i32.const 515) (call $poll (i32.const 400) (i32.const 448) (i32.const 1) (i32.const 480)))
      (i32.store8 (i32.const 516) (i32.eq (memory.grow (i32.const 20)) (i32.const 1)))
      (i32.store8 (i32.const 517) (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 488)))
      (drop (call $write (i32.const 1) (i32.const 512) (i32.const 6) (i32.const 8)))))`);
  const started = Date.now();
  const run = await runThroughSupervisor('wasi', [fn]);
  t.is(run.exit.code, 0, run.stderr);
  t.deepEqual([...run.stdout], [0, 0, 0, 0, 1, 0]);
  t.true(Date.now() - started >= 20);
  t.regex(run.stderr, /\[wasi [0-9a-f]{16} stderr\] log/);
});

/** The template runner's filter, asked about one call by the test-only probe
 * (native/sandbox-probe): what the template needs passes, the rest kills. */
const templateCalls: Array<[string, string, RegExp | 'SIGSYS']> = [
  ['fork', 'glibc\'s fork()', /^returned [1-9]\d*, errno 0\n$/],
  ['clone-newuser', 'fork() into a new user namespace', 'SIGSYS'],
  ['clone-newnet', 'clone into a new network namespace', 'SIGSYS'],
  ['seccomp', 'adding a filter with no flags', /^returned 0, errno 0\n$/],
  ['seccomp-tsync', 'adding a filter with SECCOMP_FILTER_FLAG_TSYNC', 'SIGSYS'],
  ['seccomp-listener', 'adding a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER', 'SIGSYS'],
  ['connect-path', 'connecting to a socket path (as serve_connect does)', /^returned -1, errno 2\n$/],
  ['connect-abstract', 'connecting to an abstract socket name', 'SIGSYS'],
  ['socket-dgram', 'a datagram socket', 'SIGSYS'],
];
for (const [call, what, expected] of templateCalls) {
  test(`the template runner's filter ${expected === 'SIGSYS' ? 'kills on' : 'allows'} ${what}`, async (t) => {
    const run = await runProcess(join(nativeBin, 'embly-sandbox-probe'), [call]);
    if (expected === 'SIGSYS') {
      t.is(run.signal, 'SIGSYS', `${run.stdout.toString()}${run.stderr}`);
      t.is(run.stdout.length, 0, 'the call never returned');
    } else {
      t.is(run.code, 0, run.stderr);
      t.regex(run.stdout.toString(), expected);
    }
  });
}
