// Runners: how many each function has, read at scrape time.
import { Gauge, type Registry } from 'prom-client';
import type { Master } from '../master/master.js';
import type { FunctionSpec } from '../project/index.js';

export function runnerMetrics(registry: Registry, master: Master, functions: readonly FunctionSpec[]): void {
  new Gauge({
    name: 'embly_runners', registers: [registry], labelNames: ['function'], help: 'Runner processes admitted by the master and serving',
    collect() {
      this.reset(); // a function a reload removed leaves the gauge
      for (const f of functions) this.set({ function: f.name }, master.runnerCount(f.name));
    },
  });
}
