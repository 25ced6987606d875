// A randomised mix of hostile guests with plain requests alongside, through
// a real daemon (issue 8, "Done means"): no runner dies, every plain request
// is answered 200, every hostile one gets an answer, and the runners' memory
// and fds are back where they were once the mix ends.
import test from 'ava';
import { HOSTILE, hostileRunners, startHostileDaemon } from './hostile.js';
import { isQuiet, processFigures, type ProcessFigures } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';

const DURATION_MS = Number(process.env.EMBLY_STRESS_MS ?? 20_000);
const WARM_UP_MS = 3000;
const HOSTILE_AT_ONCE = 4;
/** After a warm-up of the same mix, pools hold what it needs (docs/loader.md §3); a leak grows on. */
const RSS_MARGIN_KIB = 8 * 1024;

/** mulberry32: a small seeded generator, so that a failing mix can be replayed with EMBLY_STRESS_SEED. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('hostile guests at random next to plain requests: no runner death, no leak', async (t) => {
  const seed = Number(process.env.EMBLY_STRESS_SEED ?? Date.now() % 1_000_000);
  t.log(`seed ${seed}, ${DURATION_MS} ms`);
  const random = seeded(seed);
  const { daemon, port } = await startHostileDaemon({ runners: 2, timeout: '300ms', maxInstances: 64 });
  t.teardown(() => daemon.stop());
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  };
  const kinds = Object.values(HOSTILE);
  const hostileStatuses = new Map<string, number[]>();
  const plain: number[] = [];
  /** HOSTILE_AT_ONCE hostile requests at a time, of random kinds, and plain ones one after another. */
  const mix = async (ms: number) => {
    const until = Date.now() + ms;
    const hostileSlot = async () => {
      while (Date.now() < until) {
        const kind = kinds[Math.floor(random() * kinds.length)]!;
        const { status } = await get(`/${kind}`);
        hostileStatuses.set(kind, [...(hostileStatuses.get(kind) ?? []), status]);
      }
    };
    const plainLoop = async () => {
      while (Date.now() < until) {
        const { status, body } = await get('/hello');
        plain.push(status);
        if (body !== 'hello\n') t.fail(`a plain request got ${status} ${JSON.stringify(body)}`);
      }
    };
    await Promise.all([plainLoop(), ...Array.from({ length: HOSTILE_AT_ONCE }, hostileSlot)]);
    // The sleepers of the last spawners end at their timeout; then the
    // runners, done with what the ends left them, sleep.
    await waitFor(() => daemon.master.liveInstances() === 0, { what: () => `the mix's instances to end (${daemon.master.liveInstances()} live)` });
    for (const pid of hostileRunners()) await waitFor(() => isQuiet(pid), { what: `runner ${pid} to go idle` });
  };
  const pids = hostileRunners();
  t.is(pids.length, 2);
  await mix(WARM_UP_MS); // the pools fill to what the mix needs
  const start = new Map<number, ProcessFigures>(pids.map((pid) => [pid, processFigures(pid)]));
  await mix(DURATION_MS);

  t.true(plain.length > 0);
  t.deepEqual([...new Set(plain)], [200], 'every plain request answered 200');
  for (const [kind, statuses] of hostileStatuses) t.log(`/${kind}: ${statuses.length} requests, statuses ${[...new Set(statuses)].join(', ')}`);
  t.deepEqual(hostileRunners(), pids, 'no runner died');
  for (const pid of pids) {
    const before = start.get(pid)!;
    const after = processFigures(pid);
    t.log(`runner ${pid}: RSS ${before.rssKiB} -> ${after.rssKiB} KiB, fds ${before.fds} -> ${after.fds}`);
    t.is(after.fds, before.fds, `runner ${pid}'s fds`);
    t.true(after.rssKiB <= before.rssKiB + RSS_MARGIN_KIB, `runner ${pid}'s RSS grew from ${before.rssKiB} to ${after.rssKiB} KiB`);
  }
});
