// What the master routes between instances and their peers: frames by kind
// (data, close, credit) and DATA bytes. The master keeps plain counts on the
// frame path, read at scrape time: an event per frame would allocate on
// every frame's path.
import { Counter, type Registry } from 'prom-client';
import type { Master } from '../master/master.js';

const KINDS = ['data', 'close', 'credit'] as const;

export function routingMetrics(registry: Registry, master: Master): void {
  new Counter({
    name: 'embly_routed_messages_total', registers: [registry], labelNames: ['kind'],
    help: 'Frames the master routed between an instance and its parent or a child',
    collect() {
      const counts = master.routedCounts();
      this.reset();
      for (const kind of KINDS) this.inc({ kind }, counts[kind]);
    },
  });
  new Counter({
    name: 'embly_routed_bytes_total', registers: [registry], help: 'Bytes of DATA frames the master routed',
    collect() {
      this.reset();
      this.inc(master.routedCounts().dataBytes);
    },
  });
}
