// RunnerPool: keeps `size` runners, replaces one that dies, reports the
// instances it hosted as killed, backs off while runners die young.
import test from 'ava';
import { execArguments, RunnerPool, startRunner, type RunnerExit, type RunnerProcess } from '../../src/supervisor/index.js';
import { memoryLog, waiterFunction, waitFor } from './helpers.js';

test('a pool keeps its size: a runner killed with SIGKILL is replaced and its instances are reported killed', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLog();
  const killed: Array<{ addresses: readonly bigint[]; exit: RunnerExit }> = [];
  const pool = new RunnerPool({
    name: 'waiter', size: 2, log,
    start: () => startRunner({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }),
    onInstancesKilled: (addresses, exit) => killed.push({ addresses, exit }),
  });
  t.teardown(() => pool.stop());
  pool.start();
  t.is(pool.runners.length, 2);
  const [victim, survivor] = pool.runners as [RunnerProcess, RunnerProcess];
  pool.instanceStarted(victim, 0x11n);
  pool.instanceStarted(victim, 0x12n);
  pool.instanceStarted(victim, 0x13n);
  pool.instanceStarted(survivor, 0x21n);
  pool.instanceEnded(0x13n);
  t.is(pool.pick(), survivor, 'the runner with fewer instances');

  const replaced = new Promise<RunnerProcess>((resolve) => pool.once('started', resolve));
  victim.kill('SIGKILL');
  const replacement = await replaced;
  t.is(pool.runners.length, 2);
  t.true(pool.runners.includes(replacement) && pool.runners.includes(survivor));
  t.false(pool.runners.includes(victim));
  t.deepEqual(killed.map((k) => k.addresses), [[0x11n, 0x12n]]);
  t.is(killed[0]!.exit.signal, 'SIGKILL');
  t.deepEqual([...pool.instancesOf(survivor)], [0x21n]);
  t.true(log.lines.some((l) => /runner \d+ \(waiter\) killed by SIGKILL \(as asked\); 2 instance\(s\) killed; starting a replacement/.test(l)), log.lines.join('\n'));

  await pool.stop();
  t.is(pool.runners.length, 0);
  t.false(survivor.alive);
  t.false(replacement.alive);
});

test('runners that die young are restarted with a growing delay, and stop() ends the cycle', async (t) => {
  const log = memoryLog();
  const delays: number[] = [];
  let starts = 0;
  const pool = new RunnerPool({
    name: 'broken', size: 1, log,
    // A runner that refuses its command line and exits at once (status 200).
    start: () => { starts++; return startRunner({ args: ['exec', 'missing'], label: 'broken', log }); },
    restartDelayMs: (failures) => { delays.push(failures); return 20 * failures; },
  });
  pool.start();
  await waitFor(() => starts >= 4, 'four starts');
  await pool.stop();
  const after = starts;
  await new Promise((r) => setTimeout(r, 200));
  t.is(starts, after, 'no start after stop()');
  t.deepEqual(delays.slice(0, 3), [1, 2, 3]);
  t.true(log.lines.some((l) => l.includes('exited with 200 (bad command line)')));
});

test('a runner marked ready is replaced at once however young it dies; one that was not is backed off', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLog();
  const delays: number[] = [];
  const pool = new RunnerPool({
    name: 'waiter', size: 1, log,
    start: () => startRunner({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }),
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
  const log = memoryLog();
  let attempts = 0;
  const pool = new RunnerPool({
    name: 'unstartable', size: 1, log,
    start: () => { attempts++; return startRunner({ args: ['exec'], runnerPath: '/nonexistent/runner', log }); },
    restartDelayMs: () => 10,
  });
  pool.start();
  await waitFor(() => attempts >= 3, 'three attempts');
  await pool.stop();
  t.is(pool.runners.length, 0);
  t.true(log.lines.every((l) => l.includes('cannot start a runner for unstartable') && l.includes('ENOENT')));
});

test('a retired runner is replaced at once, and its planned exit starts no other', async (t) => {
  const waiter = await waiterFunction();
  const log = memoryLog();
  let starts = 0;
  const pool = new RunnerPool({
    name: 'waiter', size: 1, log,
    start: () => { starts++; return startRunner({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', label: 'waiter', log }); },
    expectedExit: (exit) => exit.signal === 'SIGTERM',
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
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(starts, 2);
  t.is(pool.runners.length, 1);
  t.false(pool.runners.includes(claimed));
  t.deepEqual(log.lines, []);
});
