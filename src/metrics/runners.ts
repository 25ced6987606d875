// Runners: how many each function has (read at scrape time), and the runner
// processes its pools replaced, by why they died. Their memory and CPU are
// in runner-usage.ts.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Master } from '../master/master.js';
import type { FunctionSpec } from '../project/index.js';
import { RunnerStatus, type RunnerExit } from '../supervisor/index.js';
import { runnerUsageMetrics } from './runner-usage.js';

/** Why a replaced runner died: a fixed set, so the series stay few (docs/metrics.md). */
export const RESTART_REASONS = ['crash', 'killed', 'sandbox', 'load_failed', 'disconnected', 'error', 'lost'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

/** Signals that something outside sends to end a process (an operator, the OOM killer, a service manager). */
const OUTSIDE_SIGNALS = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM']);

export function restartReason(exit: RunnerExit): RestartReason {
  if (exit.sandboxViolation) return 'sandbox';
  if (exit.reapedElsewhere) return 'lost';
  if (exit.signal !== null) return OUTSIDE_SIGNALS.has(exit.signal) ? 'killed' : 'crash';
  if (exit.code === RunnerStatus.loadFailed) return 'load_failed';
  // A serving runner leaves with 0 when its master connection ends, with 205 when it broke.
  if (exit.code === RunnerStatus.ok || exit.code === RunnerStatus.killed) return 'disconnected';
  return 'error';
}

/** What the runner metrics watch of a pool (a RunnerPool): its live runners and their ends. */
export interface WatchedPool {
  readonly runners: readonly { readonly pid: number }[];
  on(event: 'exit' | 'restart', listener: (runner: { readonly pid: number }, exit: RunnerExit) => void): unknown;
}

export interface WatchOptions {
  /** Its runners fork the function's other runners (a template): the
   * rusage of their ends includes the CPU of the children they reaped. */
  forks?: boolean;
}

export interface RunnerMetrics {
  /** Watches a pool of `fn`'s runner processes from now on. */
  watch(fn: string, pool: WatchedPool, options?: WatchOptions): void;
  /** Makes the series of a function a reload added, at 0. */
  addFunction(f: FunctionSpec): void;
}

export function runnerMetrics(registry: Registry, master: Master, functions: readonly FunctionSpec[]): RunnerMetrics {
  new Gauge({
    name: 'embly_runners', registers: [registry], labelNames: ['function'], help: 'Runner processes admitted by the master and serving',
    collect() {
      this.reset(); // a function a reload removed leaves the gauge
      for (const f of functions) this.set({ function: f.name }, master.runnerCount(f.name));
    },
  });
  const restarts = new Counter({
    name: 'embly_runner_restarts_total', registers: [registry], labelNames: ['function', 'reason'],
    help: 'Runner processes a pool replaced, by why they died: crash, killed, sandbox, load_failed, disconnected, error, lost',
  });
  const zeroRestarts = (f: FunctionSpec) => { for (const reason of RESTART_REASONS) restarts.inc({ function: f.name, reason }, 0); };
  functions.forEach(zeroRestarts);
  const usage = runnerUsageMetrics(registry, functions);
  return {
    addFunction: zeroRestarts,
    watch(fn, pool, options = {}) {
      pool.on('restart', (runner, exit) => {
        // A template's child it never forked was no process.
        if (runner.pid !== 0) restarts.inc({ function: fn, reason: restartReason(exit) });
      });
      usage?.watch(fn, pool, options);
    },
  };
}
