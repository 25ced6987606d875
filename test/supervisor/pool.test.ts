// RunnerPool: keeps `size` runners, replaces one that dies, backs off while
// runners die young.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryLogger } from '../../src/log.js';
import { execArguments, RunnerPool, RunnerProcess } from '../../src/supervisor/index.js';
import { waitFor } from '../helpers/wait.js';
import { waiterFunction } from './helpers.js';

test('a pool keeps its size: a runner killed with SIGKILL is replaced', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLogger();
  const pool = new RunnerPool({
    name: 'waiter', size: 2, log,
    start: () => RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }),
  });
  t.teardown(() => pool.stop());
  pool.start();
  t.is(pool.runners.length, 2);
  const [victim, survivor] = pool.runners as [RunnerProcess, RunnerProcess];

  const replaced = new Promise<RunnerProcess>((resolve) => pool.once('started', resolve));
  victim.kill('SIGKILL');
  const replacement = await replaced;
  t.is((await victim.exited).signal, 'SIGKILL');
  t.is(pool.runners.length, 2);
  t.true(pool.runners.includes(replacement) && pool.runners.includes(survivor));
  t.false(pool.runners.includes(victim));
  t.true(log.lines.some((l) => /^warn runner \d+ \(waiter\) killed by SIGKILL \(as asked\); starting a replacement$/.test(l)), log.lines.join('\n'));

  await pool.stop();
  t.is(pool.runners.length, 0);
  t.false(survivor.alive);
  t.false(replacement.alive);
});

test('runners that die young are restarted with a growing delay, and stop() ends the cycle', async (t) => {
  const log = memoryLogger();
  const delays: number[] = [];
  let starts = 0;
  const pool = new RunnerPool({
    name: 'broken', size: 1, log,
    // A runner that refuses its command line and exits at once (status 200).
    start: () => { starts++; return RunnerProcess.start({ args: ['exec', 'missing'], label: 'broken', log }); },
    restartDelayMs: (failures) => { delays.push(failures); return 20 * failures; },
  });
  pool.start();
  await waitFor(() => starts >= 4, { what: 'four starts' });
  await pool.stop();
  const after = starts;
  // Node runs timers in the order they are due: once a timer as long as the
  // last back-off, set after it, has fired, the restart it scheduled was due.
  await sleep(20 * delays.at(-1)!);
  t.is(starts, after, 'no start after stop(), though the restart it had scheduled was due');
  t.deepEqual(delays.slice(0, 3), [1, 2, 3]);
  t.true(log.lines.some((l) => l.includes('exited with 200 (bad command line)')));
});

test('a runner marked ready is replaced at once however young it dies; one that was not is backed off', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLogger();
  const delays: number[] = [];
  const pool = new RunnerPool({
    name: 'waiter', size: 1, log,
    start: () => RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }),
    restartDelayMs: (failures) => { delays.push(failures); return 10; },
  });
  t.teardown(() => pool.stop());
  pool.start();
  for (let round = 0; round < 3; round++) {
    const [runner] = pool.runners as [RunnerProcess];
    pool.markReady(runner.pid);
    const replaced = new Promise((resolve) => pool.once('started', resolve));
    runner.kill('SIGKILL');
    await replaced;
  }
  t.deepEqual(delays, [], 'no back-off after the death of a ready runner');
  const replaced = new Promise((resolve) => pool.once('started', resolve));
  (pool.runners[0] as RunnerProcess).kill('SIGKILL');
  await replaced;
  t.deepEqual(delays, [1], 'one that died young before it was ready failed to start');
});

test('a runner that cannot even be started is retried with back-off', async (t) => {
  const log = memoryLogger();
  let attempts = 0;
  const pool = new RunnerPool({
    name: 'unstartable', size: 1, log,
    start: () => { attempts++; return RunnerProcess.start({ args: ['exec'], runnerPath: '/nonexistent/runner', log }); },
    restartDelayMs: () => 10,
  });
  pool.start();
  await waitFor(() => attempts >= 3, { what: 'three attempts' });
  await pool.stop();
  t.is(pool.runners.length, 0);
  t.true(log.lines.every((l) => l.startsWith('error cannot start a runner for unstartable') && l.includes('ENOENT')));
});

test('a retired runner is replaced at once, and its planned exit starts no other', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLogger();
  let starts = 0;
  const pool = new RunnerPool({
    name: 'waiter', size: 1, log,
    start: () => { starts++; return RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }); },
    expectedExit: (exit) => exit.signal === 'SIGTERM',
    // Any restart would happen at once, inside the exit's handling, before
    // the 'exit' event's promise below resolves.
    restartDelayMs: () => 0,
  });
  t.teardown(() => pool.stop());
  pool.start();
  const [claimed] = pool.runners as [RunnerProcess];
  pool.retire(claimed.pid);
  pool.retire(claimed.pid);
  t.is(starts, 2, 'one replacement, however often it is retired');
  t.is(pool.runners.length, 2, 'the claimed runner stays until it is done');
  const exited = new Promise((resolve) => pool.once('exit', resolve));
  claimed.kill('SIGTERM');
  await exited;
  t.is(starts, 2);
  t.is(pool.runners.length, 1);
  t.false(pool.runners.includes(claimed));
  t.deepEqual(log.lines, []);
});

test("'restart' is emitted for an end outside the plan, retired or not; never for a planned exit or the pool's stop", async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLogger();
  const pool = new RunnerPool({
    name: 'waiter', size: 2, log,
    start: () => RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }),
    expectedExit: (exit) => exit.signal === 'SIGTERM',
  });
  const restarts: string[] = [];
  const exits: string[] = [];
  pool.on('restart', (_runner, exit) => restarts.push(exit.signal!));
  pool.on('exit', (_runner, exit) => exits.push(exit.signal!));
  t.teardown(() => pool.stop());
  pool.start();
  const [planned, crashed] = pool.runners as [RunnerProcess, RunnerProcess];
  planned.kill('SIGTERM');
  await planned.exited;
  pool.retire(crashed.pid);
  crashed.kill('SIGABRT');
  await crashed.exited;
  t.deepEqual(restarts, ['SIGABRT'], 'the retired runner\'s crash, not the planned exit');
  await waitFor(() => pool.runners.length === 2, { what: 'the pool refilled' });
  await pool.stop();
  t.deepEqual(restarts, ['SIGABRT'], 'not the runners stop() killed');
  t.deepEqual(exits, ['SIGTERM', 'SIGABRT', 'SIGKILL', 'SIGKILL']);
});
