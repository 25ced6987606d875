// Starting an instance: check the function and its max_instances, choose a
// runner (runner-choice.ts), record the instance and send SPAWN, then wait,
// within the start timeout, for the runner's STARTED, which it sends as the
// instance first runs. Instances ask for children (SPAWN_REQUEST) the same
// way a gateway's endpoint does. A spawn's latency runs from its request (the
// gateway's time, or the runner's stamp of the guest's spawn call) to the
// runner's stamp in STARTED (clock.ts puts both on one clock).
import { FrameError } from '../errors.js';
import { fromMonotonicNs } from './clock.js';
import { formatAddress } from '../instance-address.js';
import type { EventEmitter } from 'node:events';
import type { RunnerConnection } from './connection.js';
import type { MasterEvents, SpawnObserver } from './events.js';
import { ExitReason, FrameKind, type Frame } from './frames.js';
import type { Instance, InstanceTable, StartHooks } from './instances.js';
import type { RunnerChoice } from './runner-choice.js';
import { ERRNO, SpawnError, spawnErrno } from './spawn-error.js';
import type { Specials } from './specials.js';

export interface FunctionLimits { maxInstances: number; isolation?: 'instance' | 'process'; }

export class Spawner {
  /** what the metrics record of every spawn (Master.observeSpawns) */
  observer: SpawnObserver | null = null;
  /** placed, not yet STARTED, in the order of their deadlines (all are the
   * same time after placement): one timer for all, not one per spawn, which
   * the request path would pay for */
  private readonly unstarted = new Set<Instance>();
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly functions: Map<string, FunctionLimits>,
    private readonly table: InstanceTable,
    private readonly choice: RunnerChoice,
    private readonly events: EventEmitter<MasterEvents>,
    private readonly startTimeoutMs: number,
    /** built into the daemon (specials.ts): started there, not on a runner */
    private readonly specials: Specials,
  ) {}

  /** Starts an instance of fn whose parent is `parent`; `hooks` hear how it
   * goes. `requestedAt` (performance.now()): when whoever asked had the request. */
  start(fn: string, parent: bigint, hooks: StartHooks, requestedAt = performance.now()): void {
    if (this.specials.start(fn, parent, hooks)) return;
    const limits = this.functions.get(fn);
    if (!limits) return hooks.failed(new SpawnError('unknown-function', `no function named "${fn}"`));
    if (this.table.liveCount(fn) >= limits.maxInstances) {
      return hooks.failed(new SpawnError('at-capacity', `${fn} is at max_instances (${limits.maxInstances})`));
    }
    const fresh = limits.isolation === 'process';
    const runner = this.choice.claim(fn, fresh);
    if (runner) return this.place(fn, parent, runner, requestedAt, hooks);
    this.choice.wait(fn, fresh, (next) => this.place(fn, parent, next, requestedAt, hooks), (e) => hooks.failed(e));
  }

  private place(fn: string, parent: bigint, runner: RunnerConnection, requestedAt: number, hooks: StartHooks): void {
    const instance = this.table.addInstance(fn, parent, runner, requestedAt, hooks);
    instance.startBy = performance.now() + this.startTimeoutMs;
    this.unstarted.add(instance);
    this.deadlineTimer ??= setTimeout(() => this.checkDeadlines(), this.startTimeoutMs).unref();
    runner.send({ kind: FrameKind.Spawn, address: instance.address, parent, function: fn });
    hooks.placed?.(instance.address);
  }

  /** STARTED from `runner`. Throws (dropping the runner) if it is not its instance's first. */
  started(runner: RunnerConnection, frame: Extract<Frame, { kind: FrameKind.Started }>): void {
    const { address } = frame;
    const instance = this.table.get(address);
    if (!instance || instance.runner !== runner || instance.started) throw new FrameError(`unexpected STARTED for ${formatAddress(address)}`);
    instance.started = true;
    // A runner says STARTED in the order its instances first run: its first is the first it ran.
    const cold = !runner.ranAny;
    runner.ranAny = true;
    const hooks = this.settle(instance);
    const observed = this.observer !== null, emitted = this.events.listenerCount('started') > 0;
    if (observed || emitted) {
      const { function: fn, parent, requestedAt } = instance;
      const spawnMs = fromMonotonicNs(frame.ranAtNs) - requestedAt;
      this.observer?.(fn, spawnMs, cold, address);
      if (emitted) this.events.emit('started', { address, function: fn, parent, spawnMs, cold, spawnReadNs: frame.spawnReadNs, ranAtNs: frame.ranAtNs });
    }
    hooks?.started(address);
  }

  /** It ended; before STARTED, its spawn failed. */
  ended(instance: Instance, reason: ExitReason): void {
    const why = reason === ExitReason.Error ? 'failed to start' : `ended (${ExitReason[reason]}) before starting`;
    this.settle(instance)?.failed(new SpawnError('start-failed', `instance ${formatAddress(instance.address)} ${why}`));
  }

  /** An instance asks for a child: answered as STARTED is read, so that a
   * child that writes or exits at once cannot reach its parent's runner
   * before the handle for it does. */
  spawnRequest(runner: RunnerConnection, frame: Extract<Frame, { kind: FrameKind.SpawnRequest }>): void {
    const answer = (errno: number, child: bigint) =>
      runner.send({ kind: FrameKind.SpawnResult, requester: frame.requester, request: frame.request, errno, child });
    this.start(frame.function, frame.requester, {
      started: (child) => (this.table.has(frame.requester) ? answer(ERRNO.ok, child) : this.kill(child, ExitReason.Killed)),
      failed: (e) => answer(spawnErrno(e), 0n),
    }, fromMonotonicNs(frame.calledAtNs));
  }

  kill(address: bigint, reason: ExitReason.Timeout | ExitReason.Killed): void {
    this.table.get(address)?.runner?.send({ kind: FrameKind.Kill, address, reason });
  }

  private checkDeadlines(): void {
    this.deadlineTimer = undefined;
    const now = performance.now();
    for (const instance of this.unstarted) {
      if (instance.startBy > now) {
        this.deadlineTimer = setTimeout(() => this.checkDeadlines(), instance.startBy - now).unref();
        return;
      }
      this.timedOut(instance);
    }
  }

  /** No STARTED within the start timeout: whoever waits gives up, and the instance is ended. */
  private timedOut(instance: Instance): void {
    const hooks = this.settle(instance);
    this.kill(instance.address, ExitReason.Killed);
    hooks?.failed(new SpawnError('start-timeout', `instance ${formatAddress(instance.address)} did not start in time`));
  }

  /** The instance's start is decided: its hooks, once. */
  private settle(instance: Instance): StartHooks | undefined {
    const hooks = instance.hooks;
    instance.hooks = undefined;
    this.unstarted.delete(instance);
    return hooks;
  }
}
