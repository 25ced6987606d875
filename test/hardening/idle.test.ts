// An idle runner sleeps (issue 8, item 11): the preemption tick is armed only
// while guests run, so a runner with nothing to do is not woken 100 times a
// second by a timer.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { contextSwitches, isQuiet } from '../daemon/helpers.js';
import { HELLO } from '../gateways/functions.js';
import { converse, startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';

test('a sandboxed runner that has served a request and is idle again is not woken by its timer', async (t) => {
  const fn = await watFunction('hello', HELLO, { sandbox: true });
  const h = await startHarness([fn]);
  t.teardown(() => h.stop());
  const answer = await converse(h.master, 'hello', 'GET / HTTP/1.1\r\n\r\n');
  t.regex(answer.data.toString(), /^HTTP\/1\.1 200/);
  const pid = h.runners.get('hello')!.pid!;
  // The tick disarms itself after two idle ticks (4 ms): the runner goes quiet.
  await waitFor(() => isQuiet(pid), { timeoutMs: 2000, what: 'the runner to go quiet once its instance has ended' });
  // The measurement: a second of idleness.
  const before = contextSwitches(pid);
  await sleep(1000);
  const wakeups = contextSwitches(pid) - before;
  t.true(wakeups < 10, `the idle runner woke ${wakeups} times in a second`);
});
