// Runner processes' resident memory and CPU time, per function, read from
// /proc at scrape time over its live runners (a template and its children
// too, for isolation: process). The CPU counter keeps what dead runners
// used, so it never goes down: a runner's end adds the CPU time its exit
// status came with (wait4's rusage, exact), or, where that is not its own,
// the most a scrape saw of it. Linux only: elsewhere both are absent.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FunctionSpec } from '../project/index.js';
import type { RunnerExit } from '../supervisor/index.js';
import { canReadProcesses, processCpuSeconds, processResidentBytes } from './proc.js';
import type { WatchedPool, WatchOptions } from './runners.js';

class FunctionUsage {
  readonly pools: WatchedPool[] = [];
  /** CPU seconds of its runners that have ended */
  private ended = 0;
  /** The most CPU time a scrape has seen of each live runner, by pid. */
  private readonly seen = new Map<number, number>();

  watch(pool: WatchedPool, options: WatchOptions): void {
    this.pools.push(pool);
    pool.on('exit', (runner, exit) => this.runnerEnded(runner.pid, exit, options));
  }

  /** Live runner pids (a template's child has pid 0 until forked). */
  pids(): number[] {
    return this.pools.flatMap((pool) => pool.runners.flatMap((r) => (r.pid === 0 ? [] : [r.pid])));
  }

  cpuSeconds(): number {
    let total = this.ended;
    for (const pid of this.pids()) {
      const now = Math.max(processCpuSeconds(pid) ?? 0, this.seen.get(pid) ?? 0);
      this.seen.set(pid, now);
      total += now;
    }
    return total;
  }

  residentBytes(): number {
    return this.pids().reduce((sum, pid) => sum + processResidentBytes(pid), 0);
  }

  private runnerEnded(pid: number, exit: RunnerExit, options: WatchOptions): void {
    if (pid === 0) return;
    const seen = this.seen.get(pid) ?? 0;
    this.seen.delete(pid);
    // A template's rusage counts the children it reaped, which are counted
    // each on its own: its own time is what a scrape last saw of it.
    const reported = options.forks ? 0 : (exit.userCpuMicros + exit.systemCpuMicros) / 1e6;
    this.ended += Math.max(seen, reported);
  }
}

export interface RunnerUsageMetrics {
  watch(fn: string, pool: WatchedPool, options: WatchOptions): void;
}

export function runnerUsageMetrics(registry: Registry, functions: readonly FunctionSpec[]): RunnerUsageMetrics | undefined {
  if (!canReadProcesses) return undefined;
  const usage = new Map(functions.map((f) => [f.name, new FunctionUsage()]));
  new Gauge({
    name: 'embly_runner_resident_memory_bytes', registers: [registry], labelNames: ['function'],
    help: 'Resident memory of the function\'s live runner processes, summed (pages they share counted in each)',
    collect() { for (const [fn, u] of usage) this.set({ function: fn }, u.residentBytes()); },
  });
  new Counter({
    name: 'embly_runner_cpu_seconds_total', registers: [registry], labelNames: ['function'],
    help: 'User and system CPU time of the function\'s runner processes, those that ended included',
    collect() {
      this.reset();
      for (const [fn, u] of usage) this.inc({ function: fn }, u.cpuSeconds());
    },
  });
  return {
    watch(fn, pool, options) {
      let u = usage.get(fn);
      if (!u) usage.set(fn, (u = new FunctionUsage()));
      u.watch(pool, options);
    },
  };
}
