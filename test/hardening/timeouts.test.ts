// Timeouts that land while guests grow tables and memories (issue 8, item 1):
// thirty of each with a 100 ms timeout (the report used 50 ms) that killed runners
// sixteen times. Nothing stops a runtime helper halfway now: the runners
// live, no memory reservation leaks, and plain requests are served after.
import test from 'ava';
import { HOSTILE, hostileRunners, startHostileDaemon } from './hostile.js';
import { processFigures } from '../daemon/helpers.js';

const RESERVATION_KIB = 8 * 1024 * 1024; // one linear memory's address space (docs/loader.md §3)
/** How many more instances at once a runner may host in the second burst than in the first:
 * on a loaded machine requests arrive less bunched in one burst than in the other (4 was
 * exceeded by one page). A leak is one reservation per timed-out instance: about 30 per runner
 * per burst (60 requests, 2 runners), well above this. */
const SPREAD = 10;

test('timeouts in the middle of table.grow and memory.grow loops leave the runners whole', async (t) => {
  const { daemon, port } = await startHostileDaemon({ runners: 2, timeout: '100ms' });
  t.teardown(() => daemon.stop());
  const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  const pids = hostileRunners();
  t.is((await get('/hello')), 200);
  const burst = async () => {
    const statuses = await Promise.all([
      ...Array.from({ length: 30 }, () => get(`/${HOSTILE.tables}`)),
      ...Array.from({ length: 30 }, () => get(`/${HOSTILE.grows}`)),
    ]);
    t.deepEqual([...new Set(statuses)], [504]);
    for (let i = 0; i < 20; i++) t.is(await get('/hello'), 200);
  };
  // Freed memories are pooled, address space and all (docs/loader.md §3): the
  // first burst fills the pool, and a second one finds everything there.
  await burst();
  const pooled = pids.map(processFigures);
  await burst();
  t.deepEqual(hostileRunners(), pids, 'no runner died');
  pids.forEach((pid, i) => {
    const grown = processFigures(pid).vmKiB - pooled[i]!.vmKiB;
    t.true(grown < SPREAD * RESERVATION_KIB, `runner ${pid}'s address space grew by ${grown} KiB in the second burst`);
  });
});
