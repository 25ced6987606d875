// Fault: a runner stopped (SIGSTOP) with requests on it (docs/faults.md).
// The master cannot tell a stopped runner from a busy one: its requests run
// into the function's timeout and are answered 504, the other runner serves
// the rest, and once the runner goes on (SIGCONT) it ends the instances it
// was told to kill and serves again.
import test from 'ava';
import { memoryLogger } from '../../src/log.js';
import { HELLO } from '../gateways/functions.js';
import { waitFor } from '../helpers/wait.js';
import { runnerPids, startDaemon, watProject } from '../daemon/helpers.js';

const TIMEOUT_MS = 2000;
const REQUESTS = 12;

test('a stopped runner: its requests are answered 504 at the timeout, the other runner serves the rest; after SIGCONT it serves again', async (t) => {
  const log = memoryLogger();
  const { daemon, url } = await startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO, timeout: `${TIMEOUT_MS}ms` }]), { runnersPerFunction: 2, log });
  const { master } = daemon;
  await waitFor(() => master.runnerCount('hello') === 2, { what: 'both runners' });
  const [stopped, running] = runnerPids('hello');
  process.kill(stopped!, 'SIGSTOP');
  t.teardown(() => { try { process.kill(stopped!, 'SIGCONT'); } catch { /* gone */ } });
  const get = async () => {
    const response = await fetch(url('hello'));
    return { status: response.status, body: await response.text() };
  };
  // At once: least loaded first, so the stopped runner gets its share.
  const answers = await Promise.all(Array.from({ length: REQUESTS }, get));
  const statuses = answers.map((a) => a.status);
  t.true(statuses.every((s) => s === 200 || s === 504), statuses.join(' '));
  const timedOut = statuses.filter((s) => s === 504).length;
  t.true(timedOut >= 1, 'the stopped runner had requests');
  t.true(timedOut < REQUESTS, 'the running one served the rest');
  for (const a of answers) if (a.status === 200) t.is(a.body, 'hello\n');
  // Now the stopped runner hosts what it was given: new requests go to the other.
  for (let i = 0; i < 4; i++) t.is((await get()).status, 200);
  t.is(log.lines.filter((l) => l === `warn gateway/hello: GET / -> 504: hello did not answer within ${TIMEOUT_MS} ms`).length, timedOut);

  process.kill(stopped!, 'SIGCONT');
  // It reads the SPAWNs and KILLs it missed: its instances end.
  await waitFor(() => master.liveInstances('hello') === 0, { timeoutMs: 20_000, what: () => `the stopped runner's ${master.liveInstances('hello')} instances to end` });
  t.deepEqual(runnerPids('hello').sort(), [stopped, running].sort(), 'no runner was replaced');
  t.is(master.runnerCount('hello'), 2);
  const after = await Promise.all(Array.from({ length: REQUESTS }, get));
  t.deepEqual(after.map((a) => a.status), Array(REQUESTS).fill(200));
  t.false(log.lines.some((l) => l.startsWith('warn supervisor/') || l.startsWith('error ')), log.lines.filter((l) => !l.startsWith('info') && !l.startsWith('debug')).join('\n'));
});
