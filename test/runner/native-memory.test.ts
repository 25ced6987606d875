// The runner's own memory: what instances cost it outside their linear
// memory (tables, handles, the address table) is bounded, counted and given
// back when they end.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { ExitReason } from '../../src/master/frames.js';
import type { Master } from '../../src/master/master.js';
import { startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';

const QUITTER = '(module (memory (export "memory") 1) (func (export "_start")))';

/** A field of /proc/PID/status in KiB (VmData: the private writable memory, heap included). */
async function statusKiB(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Starts `count` instances of fn from one endpoint, `inFlight` at a time, and resolves when all have exited. */
function spawnMany(master: Master, fn: string, count: number, inFlight: number): Promise<ExitReason[]> {
  return new Promise((resolve, reject) => {
    const reasons: ExitReason[] = [];
    let started = 0;
    const endpoint = master.openEndpoint({
      data: () => {},
      close: () => {},
      exit: (reason) => {
        reasons.push(reason);
        if (reasons.length === count) { master.closeEndpoint(endpoint); resolve(reasons); } else if (started < count) next();
      },
    });
    const next = () => { started++; master.start(fn, endpoint, () => {}, reject); };
    for (let i = 0; i < Math.min(inFlight, count); i++) next();
  });
}

test('a runner that has hosted 200,000 instances one after another holds no more memory than after the first 5,000', async (t) => {
  // The address table used to count removed entries and only ever double:
  // ~16-32 bytes per instance ever hosted (3-6 MiB here), for good.
  const h = await startHarness([await watFunction('quitter', QUITTER, { sandbox: true })]);
  t.teardown(() => h.stop());
  const pid = h.runners.get('quitter')!.pid!;
  const warm = await spawnMany(h.master, 'quitter', 5_000, 64);
  const before = await statusKiB(pid, 'VmData');
  const rest = await spawnMany(h.master, 'quitter', 195_000, 64);
  const after = await statusKiB(pid, 'VmData');
  t.true([...warm, ...rest].every((r) => r === ExitReason.Ok));
  t.true(after - before < 1024, `VmData grew from ${before} to ${after} KiB`);
});
