// The daemon's Prometheus metrics (docs/metrics.md): one prom-client
// registry, one file per area, values read at scrape time where they can
// be; served over HTTP by server.ts.
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import { newRegistry } from './exposition.js';
import type { Master } from '../master/master.js';
import type { FunctionSpec } from '../project/index.js';
import { gatewayMetrics, type GatewayMetrics } from './gateways.js';
import { instanceMetrics } from './instances.js';
import { outboundMetrics } from './outbound.js';
import type { OutboundObserver } from '../specials/index.js';
import { routingMetrics } from './routing.js';
import { buildMetrics, type BuildMetrics } from './builds.js';
import { runnerMetrics, type RunnerMetrics } from './runners.js';

const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface DaemonMetrics {
  registry: Registry;
  gateways: GatewayMetrics;
  /** what embly/http reports its calls to (src/specials/) */
  outbound: OutboundObserver;
  /** the daemon hands it each pool of runner processes it starts */
  runners: RunnerMetrics;
  /** the daemon hands it each build (embly run's, a reload's) */
  builds: BuildMetrics;
  /** The project's functions are now these (a reload): series for the added ones
   * start at 0; the gauges leave out the removed ones; counts already made stay. */
  setFunctions(functions: readonly FunctionSpec[]): void;
}

export function daemonMetrics(master: Master, initial: readonly FunctionSpec[], version: string): DaemonMetrics {
  /** read at scrape time by the per-function gauges */
  const functions = [...initial];
  const registry = newRegistry();
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names like counters (promtool refuses them).
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  new Gauge({ name: 'embly_build_info', help: 'Always 1: the Embly version serving', labelNames: ['version'], registers: [registry] })
    .set({ version }, 1);
  const addFunction = instanceMetrics(registry, master, functions);
  const runners = runnerMetrics(registry, master, functions);
  routingMetrics(registry, master);
  const setFunctions = (next: readonly FunctionSpec[]) => {
    for (const f of next) {
      addFunction(f);
      if (!functions.some((known) => known.name === f.name)) runners.addFunction(f);
    }
    functions.splice(0, functions.length, ...next);
  };
  return {
    registry, gateways: gatewayMetrics(registry), outbound: outboundMetrics(registry, functions), runners,
    builds: buildMetrics(registry, functions), setFunctions,
  };
}

export { serveMetrics, DEFAULT_METRICS_ADDRESS, type MetricsAddress, type MetricsServer } from './server.js';
