// Limits from the project file: memory pages, wall-time timeout.
import test from 'ava';
import { runnerBinary } from '../../src/paths.js';
import { execArguments, RunnerStatus } from '../../src/supervisor/index.js';
import { runExec, runProcess, watFunction } from '../helpers/objects.js';

const reportGrow = (initialPages: number, growBy: number) => `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") ${initialPages})
  (func (export "_start")
    (i32.store (i32.const 0) (memory.grow (i32.const ${growBy})))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 4) (i32.const 8)))))`;

test('memory.grow within the limit succeeds', async (t) => {
  const fn = await watFunction('grower', reportGrow(1, 3), { memoryPages: 4 });
  const result = await runExec('grower', [fn]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.readInt32LE(0), 1);
});

test('memory.grow past the function memory limit fails with -1', async (t) => {
  const fn = await watFunction('grower', reportGrow(1, 4), { memoryPages: 4 });
  const result = await runExec('grower', [fn]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.readInt32LE(0), -1);
});

test('a module needing more initial memory than its limit does not start', async (t) => {
  const fn = await watFunction('big', reportGrow(8, 0), { memoryPages: 4 });
  const result = await runExec('big', [fn]);
  t.is(result.code, RunnerStatus.limit);
  t.regex(result.stderr, /ended: error \(memory limit/);
});

test('memory.grow past the runner\'s heap ceiling (RLIMIT_DATA) fails with -1 and the runner carries on', async (t) => {
  // The runner lowers RLIMIT_DATA to its ceiling, or keeps a lower one it was
  // given: 96 MiB here, under a 256 MiB memory limit. Past it mprotect fails.
  const fn = await watFunction('grower', `(module
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 0) (memory.grow (i32.const 2048)))
      (i32.store (i32.const 4) (memory.grow (i32.const 16)))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 8)))))`, { memoryPages: 4096, maxInstances: 1 });
  const args = execArguments('grower', [fn], { sandbox: true });
  const result = await runProcess('/bin/sh', ['-c', 'ulimit -d 98304 && exec "$0" "$@"', runnerBinary, ...args]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual([result.stdout.readInt32LE(0), result.stdout.readInt32LE(4)], [-1, 1]);
});

test('a module whose initial memory the system refuses (past RLIMIT_DATA) does not start, and the runner says why', async (t) => {
  // 128 MiB of initial memory, within its 256 MiB memory limit, past a 96 MiB RLIMIT_DATA.
  const fn = await watFunction('refused', '(module (memory (export "memory") 2048) (func (export "_start")))', { memoryPages: 4096 });
  const args = execArguments('refused', [fn], { sandbox: true });
  const result = await runProcess('/bin/sh', ['-c', 'ulimit -d 98304 && exec "$0" "$@"', runnerBinary, ...args]);
  t.is(result.code, RunnerStatus.limit, result.stderr);
  t.regex(result.stderr, /ended: error \(the system refused its memory: vm\.max_map_count, the runner's RLIMIT_DATA or no memory left\)/);
});

test('a busy loop is stopped at its timeout', async (t) => {
  const fn = await watFunction('spinner', '(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))', { timeoutMs: 200 });
  const result = await runExec('spinner', [fn]);
  t.is(result.code, RunnerStatus.timeout, result.stderr);
  t.regex(result.stderr, /of spinner ended: timeout/);
});

test('a busy loop in an object that polls for safepoints (other architectures) is stopped at its timeout too', async (t) => {
  const spinner = await watFunction('poller', '(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))',
    { timeoutMs: 200 }, 'poll');
  const result = await runExec('poller', [spinner]);
  t.is(result.code, RunnerStatus.timeout, result.stderr);
  t.regex(result.stderr, /of poller ended: timeout/);
});

test('an instance blocked in events is stopped at its timeout', async (t) => {
  // The waiter waits for a child that waits for the waiter: only the
  // waiter's timeout can end this.
  const waitForever = (spawnChild: boolean) => `(module
    (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
    (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "sleeper")
    (func (export "_start")
      ${spawnChild ? '(drop (call $spawn (i32.const 64) (i32.const 7) (i32.const 8)))' : ''}
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 8)))))`;
  const waiter = await watFunction('waiter', waitForever(true), { timeoutMs: 200 });
  const sleeper = await watFunction('sleeper', waitForever(false), { timeoutMs: 60_000 });
  // stdin stays open, so handle 1 of the waiter never reaches EOF either.
  const result = await runExec('waiter', [waiter, sleeper], null);
  t.is(result.code, RunnerStatus.timeout, result.stderr);
  t.regex(result.stderr, /of waiter ended: timeout/);
});

const quitter = (code: number) => watFunction('quitter', `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const ${code}))))`);

test('proc_exit with a non-zero code is an error exit with that code', async (t) => {
  const result = await runExec('quitter', [await quitter(3)]);
  t.is(result.code, 3);
  t.regex(result.stderr, /ended: error \(exit code 3\)/);
});

test("a guest's own code is never one of the runner's: proc_exit(70) exits 70, a trap exits with the trap status", async (t) => {
  const result = await runExec('quitter', [await quitter(70)]);
  t.is(result.code, 70, result.stderr);
  t.notRegex(result.stderr, /trap/);
  t.true(Object.entries(RunnerStatus).filter(([name]) => name !== 'ok' && name !== 'guestCodeMax').every(([, status]) => status > 125));
});

test("proc_exit above WASI's range (0..125) exits with the runner's out-of-range status and says the code", async (t) => {
  for (const [code, shown] of [[126, '126'], [300, '300'], [-1, '4294967295']] as const) {
    const result = await runExec('quitter', [await quitter(code)]);
    t.is(result.code, RunnerStatus.exitOutOfRange, result.stderr);
    t.true(result.stderr.includes(`exit code ${shown} of quitter is above 125`), result.stderr);
  }
});
