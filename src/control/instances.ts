// `instances`: the live instances, oldest first, with the size of their
// linear memory now (asked of their runners: MEMORY_QUERY, docs/protocol.md).
import { formatAddress } from '../instance-address.js';
import type { Master } from '../master/master.js';

export interface InstanceStatus {
  address: string;
  function: string;
  /** who spawned it: a gateway's client connection or another instance (which may have ended since) */
  parent: { address: string; kind: 'gateway' | 'instance' | 'ended'; function?: string };
  /** its runner's pid */
  runner: number | null;
  /** its spawn request, ISO 8601 */
  since: string;
  ageSeconds: number;
  /** its runner has said STARTED */
  started: boolean;
  /** its linear memory now; null if its runner did not say (it ended meanwhile) */
  memoryBytes: number | null;
}

export async function instanceList(master: Master): Promise<InstanceStatus[]> {
  const live = master.instances().sort((a, b) => a.requestedAt - b.requestedAt);
  const memory = await master.instanceMemory(live.map((i) => i.address));
  const now = performance.now();
  return live.map((i) => {
    const ageMs = now - i.requestedAt;
    const kind = i.parentFunction === undefined ? 'ended' : i.parentFunction === '' ? 'gateway' : 'instance';
    return {
      address: formatAddress(i.address), function: i.function,
      parent: { address: formatAddress(i.parent), kind, ...(kind === 'instance' ? { function: i.parentFunction } : {}) },
      runner: i.runner ?? null, since: new Date(Date.now() - ageMs).toISOString(), ageSeconds: ageMs / 1000,
      started: i.started, memoryBytes: memory.get(i.address) ?? null,
    };
  });
}
