// One generation of one function's runners (docs/architecture.md, "Reload"):
// a RunnerPool for isolation: instance, a TemplatePool for isolation: process,
// each runner started as this generation. The daemon starts one per function
// at start and one per changed or added function at each reload; the master
// gives new instances only to the serving generation's runners, so a
// generation a reload replaced hosts no new instance, and is stopped once
// those it hosts have ended.
import { RunnersNotReadyError } from '../errors.js';
import type { BuiltFunction } from '../compile/project-build.js';
import type { Master, RunnerInfo } from '../master/master.js';
import type { Logger } from '../log.js';
import type { RunnerMetrics } from '../metrics/runners.js';
import { RunnerPool, type RunnerProcess } from '../supervisor/index.js';
import { TemplatePool } from './template-pool.js';

export interface FunctionRunnersOptions {
  built: BuiltFunction;
  generation: number;
  /** runners kept (isolation: process: fresh runners kept ready) */
  size: number;
  master: Master;
  log: Logger;
  /** Starts one runner process of this generation (a template runner for isolation: process). */
  startRunner: (template: boolean) => RunnerProcess;
}

export class FunctionRunners {
  readonly name: string;
  readonly generation: number;
  readonly built: BuiltFunction;
  private readonly master: Master;
  private readonly pool: RunnerPool | TemplatePool;
  /** runners of this generation that said HELLO (a replacement counts too) */
  private admitted = 0;
  private stopped = false;
  /** hear each HELLO of its runners, and its stop */
  private readonly onAdmitted = new Set<() => void>();
  private readonly onRunner = (r: RunnerInfo): void => {
    if (r.function !== this.name || r.generation !== this.generation) return;
    this.admitted++;
    // A runner that said HELLO has shown that its function starts: if it
    // dies, however soon, its pool replaces it at once, with no back-off.
    // (A template pool hears its own children's HELLOs.)
    if (this.pool instanceof RunnerPool) this.pool.markReady(r.pid);
    for (const heard of this.onAdmitted) heard();
  };

  constructor(options: FunctionRunnersOptions) {
    const { built, generation, size, master, log, startRunner } = options;
    this.name = built.spec.name;
    this.generation = generation;
    this.built = built;
    this.master = master;
    this.pool = built.spec.isolation === 'process'
      ? new TemplatePool({ name: this.name, size, master, log, startTemplate: () => startRunner(true) })
      : new RunnerPool({ name: this.name, size, log, start: () => startRunner(false) });
    master.on('runner', this.onRunner);
  }

  start(): void {
    this.pool.start();
  }

  /** Its runner processes count in `metrics` (restarts, memory, CPU) from now on. */
  watchedBy(metrics: RunnerMetrics): void {
    if (this.pool instanceof RunnerPool) return metrics.watch(this.name, this.pool);
    metrics.watch(this.name, this.pool.template, { forks: true });
    metrics.watch(this.name, this.pool.children);
  }

  /** Whether `count` of its runners have said HELLO. */
  hasAdmitted(count: number): boolean {
    return this.admitted >= count;
  }

  /** Resolves once none of its runners hosts an instance. Call it once its
   * generation no longer serves: then none will be given another. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.master.instancesOn(this.name, this.generation) > 0) return;
        this.master.off('exit', check).off('runnerLost', check);
        resolve();
      };
      this.master.on('exit', check).on('runnerLost', check);
      check();
    });
  }

  /** Kills its runners (and their instances) and waits until each is reaped. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.master.off('runner', this.onRunner);
    for (const heard of this.onAdmitted) heard();
    await this.pool.stop();
  }

  /** Resolves once each of `generations` has `count` runners admitted; rejects
   * after `timeoutMs` naming the functions still short of them, or at once
   * when one is stopped meanwhile (the daemon stops). */
  static async whenAdmitted(generations: readonly FunctionRunners[], count: number, timeoutMs: number): Promise<void> {
    const short = () => generations.filter((g) => !g.hasAdmitted(count));
    let heard = (): void => {};
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const notReady = (why: string) => new RunnersNotReadyError(`runners ${why}: ${short().map((g) => g.name).join(', ')}`);
        heard = () => {
          if (generations.some((g) => g.stopped)) reject(notReady('were stopped before they were ready, for'));
          else if (short().length === 0) resolve();
        };
        timer = setTimeout(() => reject(notReady('did not connect for')), timeoutMs);
        for (const g of generations) g.onAdmitted.add(heard);
        heard();
      });
    } finally {
      clearTimeout(timer);
      for (const g of generations) g.onAdmitted.delete(heard);
    }
  }
}
