// A function whose runners die keeps serving: each dead runner is replaced
// at once, so a request waits at most for one runner to start.
import test from 'ava';
import { once } from 'node:events';
import { HELLO } from '../gateways/functions.js';
import { waitFor } from '../helpers/wait.js';
import { requestInFlight, runnerPids, startDaemon, watProject } from './helpers.js';

test('runners killed one after another, each soon after its start, are replaced at once: the next request is answered', async (t) => {
  // A timeout far above one runner's start, and far below the delay a
  // back-off grown by these deaths would impose.
  const { daemon, url } = await startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO, timeout: '3s' }]));
  const { master } = daemon;
  t.is((await fetch(url('hello'))).status, 200);
  const killed = new Set<number>();
  let [runner] = runnerPids('hello');
  for (let round = 0; round < 8; round++) {
    const replaced = once(master, 'runner') as Promise<[{ pid: number }]>;
    process.kill(runner!, 'SIGKILL');
    killed.add(runner!);
    [{ pid: runner }] = await replaced;
  }
  // The last one dies with a request on it: once that request has its 502,
  // the master knows the runner is gone, and the next request waits for its
  // replacement.
  const inFlight = requestInFlight(url('hello'));
  await waitFor(() => master.liveInstances('hello') === 1, { what: 'the request\'s instance to start' });
  process.kill(runner!, 'SIGKILL');
  killed.add(runner!);
  t.is(await inFlight, 502);
  const response = await fetch(url('hello'));
  t.is(response.status, 200, await response.text());
  t.is(killed.size, 9);
  t.is(runnerPids('hello').filter((pid) => !killed.has(pid)).length, 1, 'replaced');
});
