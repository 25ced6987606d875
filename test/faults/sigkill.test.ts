// Fault: runners SIGKILLed at random under load (docs/faults.md). Each
// request whose instance was on a killed runner is answered 502 at once;
// every other request is served; nothing hangs; each dead runner is replaced,
// and /metrics counts the restarts.
import test from 'ava';
import { once } from 'node:events';
import { memoryLogger } from '../../src/log.js';
import { ExitReason } from '../../src/master/frames.js';
import { HELLO } from '../gateways/functions.js';
import { startLoad } from '../helpers/load.js';
import { waitFor } from '../helpers/wait.js';
import { runnerPids, startDaemon, watProject } from '../daemon/helpers.js';
import { holdRequest, metricSum, type HeldRequest } from './helpers.js';

const FUNCTIONS = ['alpha', 'beta'];
const ROUNDS = 6;
const HELD_PER_FUNCTION = 6;
/** "at once" on a loaded 2-core machine: an answer, not a timing figure (it is milliseconds here) */
const ANSWER_BOUND_MS = 5000;

test('runners SIGKILLed at random under load: their requests get 502 at once, all others are served, the runners are replaced', async (t) => {
  const dir = await watProject(t, FUNCTIONS.map((name) => ({ name, wat: HELLO, timeout: '30s' })));
  const log = memoryLogger();
  const { daemon, gateways, url } = await startDaemon(t, dir, { runnersPerFunction: 2, metrics: { host: '127.0.0.1', port: 0 }, log });
  const { master } = daemon;
  await waitFor(() => FUNCTIONS.every((fn) => master.runnerCount(fn) === 2), { what: 'two runners of each function' });
  const loads = FUNCTIONS.map((fn) => startLoad(url(fn), { keepAlive: 2, fresh: 1 }));
  const killed: { pid: number; fn: string }[] = [];
  const held502: { fn: string; afterMs: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const held = new Map<string, HeldRequest[]>();
    for (const fn of FUNCTIONS) held.set(fn, await Promise.all(Array.from({ length: HELD_PER_FUNCTION }, () => holdRequest(gateways.get(fn)!.port))));
    await waitFor(() => FUNCTIONS.every((fn) => master.liveInstances(fn) >= HELD_PER_FUNCTION), { timeoutMs: 20_000, what: 'the held requests\' instances to run' });
    const fn = FUNCTIONS[round % 2]!;
    const pids = runnerPids(fn);
    const pid = pids[Math.floor(Math.random() * pids.length)]!;
    const lost = once(master, 'runnerLost');
    const killedInstances: bigint[] = [];
    const onExit = (e: { address: bigint; function: string; reason: ExitReason }) => { if (e.function === fn && e.reason === ExitReason.Killed) killedInstances.push(e.address); };
    master.on('exit', onExit);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    killed.push({ pid, fn });
    t.like((await lost)[0], { function: fn, pid });
    master.off('exit', onExit);
    // Least loaded first: the killed runner hosted some of the held requests.
    t.true(killedInstances.length >= 1, `round ${round}: runner ${pid} hosted no instance`);
    // The master has ended the dead runner's instances: what is still held is on a live runner.
    for (const h of held.values()) for (const r of h) r.finish();
    for (const [name, h] of held) {
      const answers = await Promise.all(h.map((r) => withDeadline(r.answer, 20_000, `a held ${name} request's answer`)));
      const statuses = answers.map((a) => a.status);
      if (name !== fn) t.deepEqual(statuses, Array(HELD_PER_FUNCTION).fill(200), `round ${round}: ${name}, whose runners lived`);
      else {
        t.true(statuses.every((s) => s === 200 || s === 502), `round ${round}: ${statuses.join(' ')}`);
        for (const a of answers) if (a.status === 200) t.is(a.body, 'hello\n');
        t.true(statuses.includes(502), `round ${round}: no held request was on runner ${pid}`);
        t.true(statuses.includes(200), `round ${round}: the other runner's held requests are served`);
        for (const r of h) if (r.settled!.status === 502) held502.push({ fn, afterMs: r.settledAt! - killedAt });
      }
      for (const r of h) r.client.destroy();
    }
    await waitFor(() => master.runnerCount(fn) === 2, { timeoutMs: 20_000, what: `runner ${pid}'s replacement` });
  }
  const outcomes = (await Promise.all(loads.map((l) => withDeadline(l.stop(), 30_000, 'the load\'s last requests')))).flat();
  t.deepEqual(outcomes.filter((o) => o.error !== null || (o.status !== 200 && o.status !== 502)), [], 'every load request answered 200 or 502');
  t.true(outcomes.filter((o) => o.status === 200).length > outcomes.length / 2, 'most of the load was served');
  t.true(held502.every((a) => a.afterMs < ANSWER_BOUND_MS), `502s came ${held502.map((a) => a.afterMs).join(', ')} ms after the kill`);
  t.log(`${held502.length} held requests answered 502, at most ${Math.max(...held502.map((a) => a.afterMs))} ms after the kill; ${outcomes.length} load requests`);

  // Replaced: two live runners of each, none of them killed; /metrics counts every kill.
  for (const fn of FUNCTIONS) {
    const now = runnerPids(fn);
    t.is(now.length, 2);
    t.false(now.some((p) => killed.some((k) => k.pid === p)));
    t.is(await metricSum(daemon.metricsPort!, 'embly_runner_restarts_total', { function: fn, reason: 'killed' }), ROUNDS / 2);
    t.is((await fetch(url(fn))).status, 200);
  }
  // Logged: each death, by its runner's pid, with its replacement; each 502, with why.
  for (const { pid, fn } of killed) t.true(log.lines.some((l) => l.startsWith(`warn supervisor/${fn}: `) && l.includes(String(pid)) && l.includes('killed by SIGKILL; starting a replacement')), `runner ${pid}'s death`);
  const logged502 = log.lines.filter((l) => /^warn gateway\/\w+: POST \/ -> 502: \w+ ended \(killed\) before its response was complete$/.test(l)).length;
  t.true(logged502 >= held502.length, `${logged502} 502s logged for ${held502.length} held`);
});

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms: hung`)), ms); })])
    .finally(() => clearTimeout(timer));
}
