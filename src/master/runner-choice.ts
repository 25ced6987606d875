// Which runner gets an instance: the admitted runners of each function's
// serving generation, the least loaded first; for isolation: process, one
// never used, claimed at once. A spawn that finds none waits, in order of
// asking, for the next HELLO. A reload starts a function's runners anew as a
// new generation: they take nothing until it is served (serve()), and from
// then on the older generation's runners take nothing new and finish what
// they host.
import type { EventEmitter } from 'node:events';
import type { RunnerConnection } from './connection.js';
import type { MasterEvents } from './events.js';
import { SpawnError } from './spawn-error.js';

/** A spawn waiting for a runner of its function to say HELLO. */
interface RunnerWaiter { fresh: boolean; onRunner: (runner: RunnerConnection) => void; onError: (e: SpawnError) => void; timer: NodeJS.Timeout; }

export class RunnerChoice {
  private readonly runners = new Map<string, Set<RunnerConnection>>();
  /** spawns waiting for a runner, by function, oldest first */
  private readonly waiting = new Map<string, RunnerWaiter[]>();
  /** the generation whose runners take each function's new instances (absent: 0) */
  private readonly serving = new Map<string, number>();

  constructor(private readonly events: EventEmitter<MasterEvents>, private readonly timeoutMs: number) {}

  /** fn's admitted runners of its serving generation. */
  count(fn: string): number {
    let n = 0;
    for (const runner of this.runners.get(fn) ?? []) if (this.isServing(runner)) n++;
    return n;
  }

  /** From now on fn's new instances go to its runners of `generation`, and
   * spawns waiting for one get the first of them. */
  serve(fn: string, generation: number): void {
    this.serving.set(fn, generation);
    this.serveWaiters(fn);
  }

  /** fn is gone from the project: spawns waiting for its runners fail now. */
  forget(fn: string, error: SpawnError): void {
    this.serving.delete(fn);
    for (const waiter of this.waiting.get(fn) ?? []) {
      clearTimeout(waiter.timer);
      waiter.onError(error);
    }
    this.waiting.delete(fn);
  }

  /** Instances placed on fn's runners of `generation` and not yet ended. */
  instancesOn(fn: string, generation: number): number {
    let n = 0;
    for (const runner of this.runners.get(fn) ?? []) if (runner.generation === generation) n += runner.instances.size;
    return n;
  }

  /** An admitted runner; call serveWaiters() next: it goes to those waiting first. */
  add(runner: RunnerConnection): void {
    const fn = runner.function!;
    const set = this.runners.get(fn) ?? new Set();
    set.add(runner);
    this.runners.set(fn, set);
  }

  remove(runner: RunnerConnection): void {
    if (runner.function) this.runners.get(runner.function)?.delete(runner);
  }

  /** A runner for fn ready now (see wait() when there is none), claimed at
   * once: for isolation: process, two spawns cannot both take one fresh runner. */
  claim(fn: string, fresh: boolean): RunnerConnection | undefined {
    const runner = this.pick(fn, fresh);
    if (!runner) return undefined;
    runner.used = true;
    if (fresh) this.events.emit('claimed', { function: fn, pid: runner.pid!, generation: runner.generation });
    return runner;
  }

  /** Calls `onRunner` with the next runner of fn to say HELLO (a replacement
   * starting, or the next fresh process of a single-instance pool), in order
   * of asking, within the start timeout. */
  wait(fn: string, fresh: boolean, onRunner: (runner: RunnerConnection) => void, onError: (e: SpawnError) => void): void {
    const queue = this.waiting.get(fn) ?? [];
    this.waiting.set(fn, queue);
    const waiter: RunnerWaiter = {
      fresh, onRunner, onError,
      timer: setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        onError(new SpawnError('no-runner', `no runner for ${fn} became ready`));
      }, this.timeoutMs),
    };
    queue.push(waiter);
  }

  serveWaiters(fn: string): void {
    const queue = this.waiting.get(fn);
    while (queue?.length) {
      const runner = this.claim(fn, queue[0]!.fresh);
      if (!runner) return;
      const waiter = queue.shift()!;
      clearTimeout(waiter.timer);
      waiter.onRunner(runner);
    }
  }

  private isServing(runner: RunnerConnection): boolean {
    return runner.generation === (this.serving.get(runner.function!) ?? 0);
  }

  /** The serving runner with the fewest instances; for isolation: process, one never used. */
  private pick(fn: string, fresh: boolean): RunnerConnection | undefined {
    let best: RunnerConnection | undefined;
    for (const runner of this.runners.get(fn) ?? []) {
      if ((fresh && runner.used) || !this.isServing(runner)) continue;
      if (!best || runner.instances.size < best.instances.size) best = runner;
    }
    return best;
  }
}
