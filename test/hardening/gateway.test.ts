// Hostile guests next to plain requests to the same function, through the
// HTTP gateway of a real daemon with sandboxed runners (issue 8, items 1-4):
// the hostile requests end at their timeout (504) or trap (502), every plain
// request is answered at once, and no runner dies.
import test from 'ava';
import { HOSTILE, hostileRunners, startHostileDaemon, type HostileDaemon } from './hostile.js';

const TIMEOUT_MS = 2000;
/** Without preemption a plain request behind a hostile one waits for its timeout. Alone on this
 * machine the slowest takes ~50 ms (bench/preemption.ts); the bound leaves room for a busy CI. */
const PLAIN_BOUND_MS = TIMEOUT_MS / 2;

let served: HostileDaemon;

test.before(async () => {
  served = await startHostileDaemon({ runners: 2, timeout: `${TIMEOUT_MS}ms` });
});

test.after.always(async () => {
  await served?.daemon.stop();
});

async function timed(path: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${served.port}${path}`);
  const body = await response.text();
  return { status: response.status, ms: performance.now() - started, body };
}

/** Plain requests one after another while `busy` is unsettled. */
async function plainWhile(busy: Promise<unknown>): Promise<{ status: number; ms: number; body: string }[]> {
  let settled = false;
  void busy.finally(() => { settled = true; });
  const answers = [];
  while (!settled) answers.push(await timed('/hello'));
  return answers;
}

const cases: [string, string, number][] = [
  ['spinning guests', HOSTILE.spin, 504],
  ['guests growing tables without end', HOSTILE.tables, 504],
  ['guests making huge fd_write calls', HOSTILE.hugeWrite, 504],
  ['guests making huge random_get calls', HOSTILE.hugeRandom, 504],
  ['guests that only call (no loop)', HOSTILE.calls, 504],
  ['guests calling the host at the end of their stack', HOSTILE.deepHostCall, 502],
];

for (const [what, letter, status] of cases) {
  test.serial(`four ${what} on a two-runner function: they get ${status}, plain requests are answered at once`, async (t) => {
    const before = hostileRunners();
    t.is(before.length, 2);
    const hostile = Promise.all([1, 2, 3, 4].map(() => timed(`/${letter}`)));
    const plain = await plainWhile(hostile);
    const ended = await hostile;
    t.deepEqual(ended.map((a) => a.status), [status, status, status, status]);
    t.true(plain.length > 0);
    for (const answer of plain) {
      t.is(answer.status, 200);
      t.is(answer.body, 'hello\n');
    }
    const slowest = Math.max(...plain.map((a) => a.ms));
    t.true(slowest < PLAIN_BOUND_MS, `the slowest of ${plain.length} plain requests took ${slowest.toFixed(1)} ms`);
    t.deepEqual(hostileRunners(), before, 'no runner died');
    t.false(served.logs.some((l) => /runner .*(exited|killed by|signal)/.test(l)), served.logs.join('\n'));
  });
}
