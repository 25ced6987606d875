// A pool of runner processes for one function: `size` runners started ahead
// of need; one that dies is replaced (the master, which knows the instances
// each runner hosts, ends them killed when its connection drops, and chooses
// the runner for each new one). Restarts back off while runners keep failing to start
// (dying young, before they were ready), so a function whose runner cannot
// start does not fork in a loop; a runner that was ready and died is replaced
// at once, however young, so that a crash costs the function no more than
// one runner's start.
import { EventEmitter } from 'node:events';
import { RunnerOptionsError } from '../errors.js';
import { describeExit, type RunnerExit } from './exit.js';
import { createLogger, type Logger } from '../log.js';
import type { RunnerProcess } from './runner-process.js';

/** What a pool uses of a runner: a RunnerProcess, or a TemplateChild. */
export interface PooledRunner {
  readonly pid: number;
  readonly alive: boolean;
  readonly exited: Promise<RunnerExit>;
  kill(signal?: NodeJS.Signals | number): boolean;
  describe(): string;
  once(event: 'exit', listener: (exit: RunnerExit) => void): unknown;
}

export interface RunnerPoolOptions<R extends PooledRunner = RunnerProcess> {
  /** The function, for logs. */
  readonly name: string;
  /** Runners kept running (a runner uses one core: size it to the cores). */
  readonly size: number;
  /** Starts one runner (RunnerProcess.start with the function's arguments); may throw. */
  readonly start: () => R;
  /** Where it says why it replaces a runner (default: stderr, as `supervisor`). */
  readonly log?: Logger;
  /** A runner that lived less than this and was never marked ready died young: it failed to start (default 1000 ms). */
  readonly minUptimeMs?: number;
  /** Exits that are part of the plan (a single-instance runner done with its
   * instance): replaced at once, not logged, not counted as failures. */
  readonly expectedExit?: (exit: RunnerExit) => boolean;
  /** The wait before the next start after `failures` young deaths or failed starts in a row. */
  readonly restartDelayMs?: (failures: number) => number;
}

/** 100 ms after the first young death, doubling, at most 10 s. */
export const defaultRestartDelay = (failures: number): number => Math.min(100 * 2 ** (failures - 1), 10_000);

/** 'exit': every runner's end, the pool's own stop included. 'restart': an
 * end outside the plan, whose runner the pool replaces (or, retired, had
 * replaced already): not while stopping, not an expectedExit. */
export class RunnerPool<R extends PooledRunner = RunnerProcess> extends EventEmitter<{ started: [R]; exit: [R, RunnerExit]; restart: [R, RunnerExit] }> {
  readonly name: string;
  readonly size: number;
  private readonly options: RunnerPoolOptions<R>;
  private readonly log: Logger;
  /** Live runners. */
  private readonly members = new Set<R>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** runners already replaced (a single-instance runner once claimed): their exit starts no other */
  private readonly retired = new Set<R>();
  /** runners that were ready to serve: their start worked, whatever ends them */
  private readonly ready = new WeakSet<R>();
  private failures = 0;
  private stopping = false;

  constructor(options: RunnerPoolOptions<R>) {
    super();
    if (typeof options?.name !== 'string' || !options.name) throw new RunnerOptionsError('a pool needs a function name');
    if (!Number.isInteger(options.size) || options.size < 1) throw new RunnerOptionsError(`pool size must be a positive integer, not ${options.size}`);
    if (typeof options.start !== 'function') throw new RunnerOptionsError('a pool needs a start function');
    this.options = options;
    this.name = options.name;
    this.size = options.size;
    this.log = options.log ?? createLogger({ component: 'supervisor' });
  }

  /** Starts the runners. */
  start(): void {
    for (let i = this.members.size - this.retired.size + this.timers.size; i < this.size; i++) this.launch();
  }

  /** Starts the replacement of runner `pid` now, ahead of its exit: a
   * single-instance runner has been given its instance, and the next request
   * should find a fresh one ready. */
  retire(pid: number): void {
    const runner = this.find(pid);
    if (!runner || this.retired.has(runner) || this.stopping) return;
    this.retired.add(runner);
    this.launch();
  }

  /** Runner `pid` is ready to serve (it said HELLO): its function starts,
   * so its death, however soon, is no failure to start and is not backed off. */
  markReady(pid: number): void {
    const runner = this.find(pid);
    if (!runner) return;
    this.ready.add(runner);
    this.failures = 0;
  }

  get runners(): R[] {
    return [...this.members];
  }

  /** Stops replacing, kills every runner and waits until each is reaped. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const runners = this.runners;
    for (const runner of runners) runner.kill('SIGKILL');
    await Promise.all(runners.map((r) => r.exited));
  }

  private launch(): void {
    if (this.stopping) return;
    let runner: R;
    try {
      runner = this.options.start();
    } catch (e) {
      this.failures++;
      this.log.error(`cannot start a runner for ${this.name}: ${(e as Error).message}`);
      this.relaunch();
      return;
    }
    this.members.add(runner);
    runner.once('exit', (exit) => this.onExit(runner, exit));
    this.emit('started', runner);
  }

  private onExit(runner: R, exit: RunnerExit): void {
    this.members.delete(runner);
    this.emit('exit', runner, exit);
    const replaced = this.retired.delete(runner);
    if (this.stopping) return;
    const expected = this.options.expectedExit?.(exit) ?? false;
    if (!expected) this.emit('restart', runner, exit);
    if (replaced && expected) return;
    if (replaced) return this.log.warn(`${runner.describe()} ${describeExit(exit)}; already replaced`);
    if (expected) {
      this.failures = 0;
      return this.launch();
    }
    this.failures = this.failedToStart(runner, exit) ? this.failures + 1 : 0;
    this.log.warn(`${runner.describe()} ${describeExit(exit)}; starting a replacement`);
    this.relaunch();
  }

  private find(pid: number): R | undefined {
    return this.runners.find((r) => r.pid === pid);
  }

  private failedToStart(runner: R, exit: RunnerExit): boolean {
    return !this.ready.has(runner) && exit.uptimeMs < (this.options.minUptimeMs ?? 1000);
  }

  private relaunch(): void {
    const delay = this.failures === 0 ? 0 : (this.options.restartDelayMs ?? defaultRestartDelay)(this.failures);
    if (delay <= 0) return this.launch();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.launch();
    }, delay);
    this.timers.add(timer);
  }
}
