// An idle runner sleeps (issue 8, item 11): the preemption tick is armed only
// while guests run, so a runner with nothing to do is not woken 100 times a
// second by a timer.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HELLO } from '../gateways/functions.js';
import { converse, startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';

/** Times the process was switched out: each wake-up from poll() is one. */
function contextSwitches(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches');
}

test('a sandboxed runner that has served a request and is idle again is not woken by its timer', async (t) => {
  const fn = await watFunction('hello', HELLO, { sandbox: true });
  const h = await startHarness([fn]);
  t.teardown(() => h.stop());
  const answer = await converse(h.master, 'hello', 'GET / HTTP/1.1\r\n\r\n');
  t.regex(answer.data.toString(), /^HTTP\/1\.1 200/);
  await sleep(100); // the tick disarms itself after two idle ticks (4 ms)
  const pid = h.runners.get('hello')!.pid!;
  const before = contextSwitches(pid);
  await sleep(1000);
  const wakeups = contextSwitches(pid) - before;
  t.true(wakeups < 10, `the idle runner woke ${wakeups} times in a second`);
});
