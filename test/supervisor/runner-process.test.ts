// Runner processes started through the addon: what they run, the process
// they run in, how their end is reported, and that nothing is left behind.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { memoryLogger } from '../../src/log.js';
import { nativeAbiVersion } from '../../src/native/index.js';
import { execArguments, RunnerOptionsError, RunnerProcess, RunnerStartError } from '../../src/supervisor/index.js';
import { watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';
import { firstChunk, helloFunction, procStat, readAll, runThroughSupervisor, startWaiter, waiterFunction, zombieChildren } from './helpers.js';

test('a sandboxed runner runs a wat function; its output arrives through a pipe', async (t) => {
  const run = await runThroughSupervisor('hello', [await helloFunction()]);
  t.is(run.exit.code, 0, run.stderr);
  t.is(run.exit.signal, null);
  t.false(run.exit.sandboxViolation);
  t.is(run.stdout.toString(), 'hello from a sandboxed runner');
});

test('stdout can be an fd the caller passes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'embly-supervisor-'));
  const file = join(dir, 'out');
  const fd = openSync(file, 'w');
  try {
    const runner = RunnerProcess.start({ args: execArguments('hello', [await helloFunction()]), stdout: fd, log: memoryLogger() });
    t.is(runner.stdout, null);
    t.is((await runner.exited).code, 0);
  } finally {
    closeSync(fd);
  }
  t.is(await readFile(file, 'utf8'), 'hello from a sandboxed runner');
  await rm(dir, { recursive: true });
});

test('the runner has an empty environment, cwd /, its own process group, only fds 0-2, no_new_privs, seccomp and its rlimits', async (t) => {
  const runner = await startWaiter({ maxOpenFiles: 20 });
  t.teardown(() => runner.kill());
  const pid = runner.pid;
  t.deepEqual((await readdir(`/proc/${pid}/fd`)).sort(), ['0', '1', '2']);
  t.is((await readFile(`/proc/${pid}/environ`)).length, 0);
  t.is(await readlink(`/proc/${pid}/cwd`), '/');
  const [, ppid, pgrp] = await procStat(pid);
  t.is(Number(pgrp), pid, 'its own process group');
  t.is(Number(ppid), process.pid);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  t.regex(status, /^NoNewPrivs:\s+1$/m);
  t.regex(status, /^Seccomp:\s+2$/m, 'a seccomp filter is installed');
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
  t.regex(limits, /^Max core file size\s+0\s+0\s/m);
  t.regex(limits, /^Max open files\s+20\s+20\s/m);
  t.notRegex(limits, /^Max address space\s+\d/m, 'no RLIMIT_AS: wasm memories reserve 8 GiB each');
  runner.stdin!.end();
  const exit = await runner.exited;
  t.is(exit.code, 0);
});

test('a sandboxed runner\'s heap is capped (RLIMIT_DATA) at what its instances may use at their limits', async (t) => {
  const waiter = { ...(await waiterFunction()), memoryPages: 16, maxInstances: 10 }; // 1 MiB each
  const runner = RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', label: 'waiter', log: memoryLogger() });
  t.teardown(() => runner.kill());
  t.is((await firstChunk(runner.stdout!)).toString(), 'ready');
  const limits = await readFile(`/proc/${runner.pid}/limits`, 'utf8');
  const [, soft, hard] = /^Max data size\s+(\d+)\s+(\d+)\s+bytes/m.exec(limits) ?? ['', 'unlimited', ''];
  t.is(soft, hard, `set, hard as well as soft: ${limits}`);
  const MiB = 1 << 20;
  t.true(Number(soft) >= 10 * MiB && Number(soft) <= 256 * MiB, `RLIMIT_DATA ${soft}`);
  runner.stdin!.end();
  t.is((await runner.exited).code, 0);
});

test('kill() signals the runner; the report says which signal and that it was asked for', async (t) => {
  const runner = await startWaiter();
  t.teardown(() => runner.kill());
  t.true(runner.alive);
  t.true(runner.kill('SIGTERM'));
  const exit = await runner.exited;
  t.is(exit.signal, 'SIGTERM');
  t.is(exit.code, null);
  t.true(exit.killed);
  t.false(exit.sandboxViolation);
  t.false(runner.alive);
  t.false(runner.kill(), 'a reaped runner cannot be signalled (its pid may be reused)');
});

test('exit reports carry rusage, and reaping does not block the event loop', async (t) => {
  // Spins until the process has used 150 ms of CPU (WASI's process CPU clock).
  const busy = await watFunction('busy', `(module
    (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (loop $spin
        (drop (call $clock (i32.const 2) (i64.const 1) (i32.const 0)))
        (br_if $spin (i64.lt_u (i64.load (i32.const 0)) (i64.const 150000000))))))`);
  const runner = RunnerProcess.start({ args: execArguments('busy', [busy]), log: memoryLogger() });
  let ticks = 0;
  const timer = setInterval(() => { if (runner.alive) ticks++; }, 5);
  const exit = await runner.exited;
  clearInterval(timer);
  t.is(exit.code, 0);
  t.true(exit.userCpuMicros + exit.systemCpuMicros >= 150_000, `cpu ${exit.userCpuMicros}+${exit.systemCpuMicros} µs`);
  t.true(exit.maxRssKiB > 0);
  t.true(exit.uptimeMs >= 150);
  t.true(ticks >= 1, 'timers ran while the runner was alive');
});

test('a runner that cannot be exec\'d is reported with the step and errno, and leaves no zombie', async (t) => {
  const error = t.throws(() => RunnerProcess.start({ args: ['exec'], runnerPath: '/nonexistent/embly-runner', log: memoryLogger() }), { instanceOf: RunnerStartError });
  t.is(error?.step, 'execve');
  t.is(error?.errno, 'ENOENT');
  t.regex(error?.message ?? '', /^cannot start runner \(\/nonexistent\/embly-runner\): execve: no such file or directory \(ENOENT\)$/i);
  t.deepEqual(await zombieChildren(), []);
});

// The child is cloned into the daemon's memory (CLONE_VM) and resets every
// signal disposition before execve: that must be its own copy, not Node's.
test('starting runners leaves the daemon\'s signal handlers in place', async (t) => {
  let received = 0;
  const onSignal = (): void => { received++; };
  process.on('SIGUSR2', onSignal);
  t.teardown(() => { process.off('SIGUSR2', onSignal); });
  const runner = await startWaiter();
  t.teardown(() => runner.kill());
  t.throws(() => RunnerProcess.start({ args: ['exec'], runnerPath: '/nonexistent/embly-runner', log: memoryLogger() }), { instanceOf: RunnerStartError });
  process.kill(process.pid, 'SIGUSR2');
  await waitFor(() => received > 0, { what: 'SIGUSR2 handled by the daemon' });
  t.is(received, 1, 'by the daemon\'s handler, once');
});

test('bad options are refused before the addon is called', (t) => {
  t.throws(() => RunnerProcess.start({ args: ['exec'], runnerPath: 'relative/runner' }), { instanceOf: RunnerOptionsError });
  t.throws(() => RunnerProcess.start({ args: ['exec'], stdout: -1 }), { instanceOf: RunnerOptionsError });
  t.throws(() => RunnerProcess.start({ args: ['exec'], stdin: 'inherit' as 'pipe' }), { instanceOf: RunnerOptionsError });
  t.throws(() => RunnerProcess.start({ args: ['exec', 'a\0b'] }), { instanceOf: RunnerOptionsError });
  t.throws(() => RunnerProcess.start({ args: ['exec'], maxOpenFiles: 2 }), { instanceOf: RunnerOptionsError });
});

// Serial: it counts this process's fds, which concurrent tests would change.
test.serial('many runners exit: no zombie and no leaked fd is left, and Node\'s own children are not taken from it', async (t) => {
  const hello = await helloFunction();
  nativeAbiVersion(); // loads the addon: its reaper's eventfd is not a leak
  const fdsBefore = (await readdir('/proc/self/fd')).length;
  const ours = Array.from({ length: 60 }, () => RunnerProcess.start({ args: execArguments('hello', [hello]), stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', log: memoryLogger() }));
  // Meanwhile child_process runs its own children, which its own wait must get.
  const theirs = Array.from({ length: 10 }, () => new Promise<number | null>((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exit 7']);
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  }));
  for (const r of ours) r.stdin!.end();
  const outputs = await Promise.all(ours.map((r) => readAll(r.stdout)));
  await Promise.all(ours.map((r) => readAll(r.stderr)));
  const exits = await Promise.all(ours.map((r) => r.exited));
  t.true(exits.every((e) => e.code === 0 && !e.reapedElsewhere));
  t.true(outputs.every((o) => o.toString() === 'hello from a sandboxed runner'));
  t.deepEqual(await Promise.all(theirs), Array(10).fill(7));
  await waitFor(async () => (await zombieChildren()).length === 0, { what: 'no zombie children' });
  await waitFor(async () => (await readdir('/proc/self/fd')).length <= fdsBefore, { what: `fds back to ${fdsBefore}` });
  t.deepEqual(await zombieChildren(), []);
  t.true((await readdir('/proc/self/fd')).length <= fdsBefore, 'no fd left open');
});
