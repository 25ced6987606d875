// Runner processes as /metrics shows them: restarts by why the runner died,
// resident memory and CPU time read from /proc at scrape time, against a
// real daemon whose runners the tests kill. No guest can crash its runner
// (test/hardening: every hostile guest leaves its runner serving), so a
// crash is a signal sent from here: SIGABRT, what a failed assertion in the
// runner raises, ends it with the status a real one would. (Not SIGSEGV: the
// runner's fault handler takes a SIGSEGV that is no fault of a guest's,
// resets itself and lets the fault recur, which a kill() never does.)
import test from 'ava';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { buildProject } from '../../src/compile/project-build.js';
import type { Master } from '../../src/master/master.js';
import { RESTART_REASONS } from '../../src/metrics/runners.js';
import { loadProject } from '../../src/project/index.js';
import { HELLO } from '../gateways/functions.js';
import { processFigures, runnerPids, startDaemon, watProject } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { sample, scrape } from './helpers.js';

const METRICS = { metrics: { host: '127.0.0.1', port: 0 } };

const BURNT = 'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nburnt\\n';

/** A CPU-bound burst of a fixed size, whatever the machine's load: 200
 * million xorshift steps (no closed form for the C compiler to find), then
 * an answer. */
const BURN = `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "${BURNT}")
  (func (export "_start") (local $x i32) (local $n i32)
    (local.set $x (i32.const 2463534242))
    (local.set $n (i32.const 200000000))
    (loop $step
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $step (local.get $n)))
    (i32.store (i32.const 0) (local.get $x))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 44) (i32.const 12)))))`;

/** Every restart reason's count for `fn`. */
function restarts(page: string, fn: string): Record<string, number> {
  return Object.fromEntries(RESTART_REASONS.map((r) => [r, sample(page, 'embly_runner_restarts_total', `function="${fn}",reason="${r}"`)]));
}

function noRestarts(): Record<string, number> {
  return Object.fromEntries(RESTART_REASONS.map((r) => [r, 0]));
}

/** Resolves when the master has seen runner `pid`'s connection drop. */
function lost(master: Master, pid: number): Promise<void> {
  return new Promise((resolve) => {
    const listener = (r: { pid: number }) => { if (r.pid === pid) { master.off('runnerLost', listener); resolve(); } };
    master.on('runnerLost', listener);
  });
}

/** Kills runner `pid` with `signal` and waits until the master has dropped
 * it and admitted its replacement: until then a request could be given the
 * dying one. */
async function killAndReplace(master: Master, pid: number, signal: NodeJS.Signals): Promise<number> {
  const replaced = once(master, 'runner') as Promise<[{ pid: number }]>;
  const dropped = lost(master, pid);
  process.kill(pid, signal);
  const [[{ pid: next }]] = await Promise.all([replaced, dropped]);
  return next;
}

/** CPU seconds /proc gives the process (utime + stime, at USER_HZ 100). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The live children of `pid`: a template's forked runners. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((child) => {
    try {
      return readFileSync(`/proc/${child}/status`, 'utf8').includes(`PPid:\t${pid}\n`) ? [Number(child)] : [];
    } catch {
      return [];
    }
  });
}

test('a runner killed (SIGKILL) counts one restart as killed, one that crashed (SIGABRT) one as crash; every reason exists from the start at 0', async (t) => {
  const dir = await watProject(t, [{ name: 'signals', wat: HELLO }]);
  const { daemon, url } = await startDaemon(t, dir, METRICS);
  const port = daemon.metricsPort!;
  t.deepEqual(restarts(await scrape(port), 'signals'), noRestarts());
  t.is((await fetch(url('signals'))).status, 200, 'serving instances is no restart');
  t.deepEqual(restarts(await scrape(port), 'signals'), noRestarts());

  let [runner] = runnerPids('signals');
  runner = await killAndReplace(daemon.master, runner!, 'SIGKILL');
  t.is((await fetch(url('signals'))).status, 200);
  t.deepEqual(restarts(await scrape(port), 'signals'), { ...noRestarts(), killed: 1 });

  await killAndReplace(daemon.master, runner, 'SIGABRT');
  t.is((await fetch(url('signals'))).status, 200);
  t.deepEqual(restarts(await scrape(port), 'signals'), { ...noRestarts(), killed: 1, crash: 1 });
});

test('a SIGSEGV sent to a runner from outside is a crash, not a fault to trap: the runner dies of it and is replaced', async (t) => {
  const dir = await watProject(t, [{ name: 'segv', wat: HELLO }]);
  const { daemon, url } = await startDaemon(t, dir, METRICS);
  const [runner] = runnerPids('segv');
  // Until the master has dropped it and admitted its replacement, a request could be given the dying one.
  let dropped = false;
  let replaced = false;
  daemon.master.on('runnerLost', (r) => { dropped ||= r.pid === runner; });
  daemon.master.on('runner', (r) => { replaced ||= r.function === 'segv' && r.pid !== runner; });
  process.kill(runner!, 'SIGSEGV');
  // A runner that took it for a fault of its own would live on, its fault handler gone: this times out.
  await waitFor(() => dropped && replaced, { what: 'the runner to die of SIGSEGV and be replaced' });
  t.is((await fetch(url('segv'))).status, 200);
  t.deepEqual(restarts(await scrape(daemon.metricsPort!), 'segv'), { ...noRestarts(), crash: 1 });
});

test('a runner whose replacement cannot load its object: the replacement counts as load_failed', async (t) => {
  const dir = await watProject(t, [{ name: 'broken', wat: HELLO }]);
  const [built] = await buildProject(await loadProject(dir));
  const { daemon } = await startDaemon(t, dir, METRICS);
  // Renamed over it, so the live runner keeps the object it mapped.
  await writeFile(`${built!.objectPath}.broken`, 'not a shared object');
  await rename(`${built!.objectPath}.broken`, built!.objectPath);
  process.kill(runnerPids('broken')[0]!, 'SIGKILL');
  let page = '';
  await waitFor(async () => restarts(page = await scrape(daemon.metricsPort!), 'broken').load_failed! >= 1,
    { what: () => `a load_failed restart: ${JSON.stringify(restarts(page, 'broken'))}` });
  const counts = restarts(page, 'broken');
  t.is(counts.killed, 1);
  t.deepEqual({ ...counts, load_failed: 0, killed: 0 }, noRestarts(), 'the rest stay at 0');
});

test('isolation: process: single-use runners ending after their instance are no restart; a killed child is one, a killed template one more and its child lost', async (t) => {
  const dir = await watProject(t, [{ name: 'single', wat: HELLO, isolation: 'process' }]);
  const { daemon, url } = await startDaemon(t, dir, METRICS);
  const port = daemon.metricsPort!;
  for (let i = 0; i < 5; i++) t.is((await fetch(url('single'))).status, 200);
  const [template] = runnerPids('single');
  // The five served their instance and left; one fresh child is ready.
  await waitFor(() => childrenOf(template!).length === 1, { what: 'the used children to leave' });
  t.deepEqual(restarts(await scrape(port), 'single'), noRestarts());

  await killAndReplace(daemon.master, childrenOf(template!)[0]!, 'SIGKILL');
  t.is((await fetch(url('single'))).status, 200);
  t.deepEqual(restarts(await scrape(port), 'single'), { ...noRestarts(), killed: 1 });

  await waitFor(() => childrenOf(template!).length === 1 && daemon.master.runnerCount('single') === 1, { what: 'one child ready' });
  // Its child dies with it (parent-death signal); the new template forks the next.
  const childLost = lost(daemon.master, childrenOf(template!)[0]!);
  const templateBack = once(daemon.master, 'template');
  process.kill(template!, 'SIGKILL');
  await Promise.all([childLost, templateBack]);
  await waitFor(() => daemon.master.runnerCount('single') === 1, { what: 'the new template\'s child ready' });
  t.is((await fetch(url('single'))).status, 200);
  t.deepEqual(restarts(await scrape(port), 'single'), { ...noRestarts(), killed: 2, lost: 1 });
});

test('resident memory is what /proc says of the runners; CPU time grows with a CPU-bound burst, as /proc says, and does not go down when its runner dies', async (t) => {
  const dir = await watProject(t, [{ name: 'measured', wat: HELLO }, { name: 'burn', wat: BURN }]);
  const { daemon, url } = await startDaemon(t, dir, METRICS);
  const port = daemon.metricsPort!;
  t.is((await fetch(url('measured'))).status, 200);

  const page = await scrape(port);
  const resident = sample(page, 'embly_runner_resident_memory_bytes', 'function="measured"');
  const fromProc = runnerPids('measured').reduce((sum, pid) => sum + processFigures(pid).rssKiB * 1024, 0);
  t.true(resident > 0, String(resident));
  t.true(Math.abs(resident - fromProc) <= fromProc * 0.1, `${resident} bytes against /proc's ${fromProc}`);

  const cpu = () => scrape(port).then((p) => sample(p, 'embly_runner_cpu_seconds_total', 'function="burn"'));
  const before = await cpu();
  const burnt = await fetch(url('burn'));
  t.is(burnt.status, 200);
  t.is(await burnt.text(), 'burnt\n');
  await waitFor(() => daemon.master.liveInstances('burn') === 0, { what: 'the burst to end' });
  const [burner] = runnerPids('burn');
  const after = await cpu();
  const procAfter = procCpuSeconds(burner!);
  t.true(after > before, `${before} s, then ${after} s`);
  t.log(`the burst: ${(after - before).toFixed(2)} s of CPU`);
  // The runner idles now: /proc moves by a tick at most between the two reads.
  t.true(Math.abs(after - procAfter) <= 0.02, `${after} s against /proc's ${procAfter} s`);

  await killAndReplace(daemon.master, burner!, 'SIGKILL');
  const afterDeath = await cpu();
  t.true(afterDeath >= after, `${after} s, then ${afterDeath} s once its runner died`);
  t.true(afterDeath >= procAfter, 'the dead runner\'s time is kept');
});
