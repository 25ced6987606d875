// Gateway-like endpoints for master tests: a handler with do-nothing
// defaults, and a spawn that resolves once its instance runs.
import type { Endpoint, EndpointHandler, Master } from '../../src/master/master.js';

export function openEndpoint(master: Master, handler: Partial<EndpointHandler> = {}): Endpoint {
  return master.openEndpoint({ onData: () => true, onClose: () => {}, onExit: () => {}, onDrain: () => {}, onSpawnError: () => {}, ...handler });
}

/** Opens an endpoint and spawns fn from it; resolves with both once the
 * instance's STARTED is read (the master's 'started' event), rejects with
 * the SpawnError of a spawn that found no instance. */
export function spawnFrom(master: Master, fn: string, handler: Partial<EndpointHandler> = {}): Promise<{ endpoint: Endpoint; child: bigint }> {
  return new Promise((resolve, reject) => {
    const onStarted = (s: { parent: bigint; address: bigint }) => {
      if (s.parent !== endpoint.address) return;
      master.off('started', onStarted);
      resolve({ endpoint, child: s.address });
    };
    const endpoint = openEndpoint(master, {
      ...handler,
      onSpawnError: (e) => {
        master.off('started', onStarted);
        handler.onSpawnError?.(e);
        reject(e);
      },
    });
    master.on('started', onStarted);
    endpoint.spawn(fn);
  });
}
