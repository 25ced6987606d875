// The daemon's Prometheus metrics (docs/metrics.md): one prom-client
// registry, one file per area, values read at scrape time where they can
// be; served over HTTP by server.ts.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Master } from '../master/master.js';
import type { FunctionSpec } from '../project/index.js';
import { gatewayMetrics, type GatewayMetrics } from './gateways.js';
import { instanceMetrics } from './instances.js';
import { outboundMetrics } from './outbound.js';
import type { OutboundObserver } from '../specials/index.js';
import { routingMetrics } from './routing.js';
import { runnerMetrics } from './runners.js';

const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface DaemonMetrics { registry: Registry; gateways: GatewayMetrics; outbound: OutboundObserver; }

export function daemonMetrics(master: Master, functions: readonly FunctionSpec[], version: string): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names like counters (promtool refuses them).
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  new Gauge({ name: 'embly_build_info', help: 'Always 1: the Embly version serving', labelNames: ['version'], registers: [registry] })
    .set({ version }, 1);
  instanceMetrics(registry, master, functions);
  runnerMetrics(registry, master, functions);
  routingMetrics(registry, master);
  return { registry, gateways: gatewayMetrics(registry), outbound: outboundMetrics(registry, functions) };
}

export { serveMetrics, DEFAULT_METRICS_ADDRESS, type MetricsAddress, type MetricsServer } from './server.js';
