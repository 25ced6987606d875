// The instance table: every live address, an instance on a runner or an
// endpoint in the daemon (a gateway connection's, or a special function's
// instance), with its parent and children (the only peers it may talk to)
// and the flow-control counts of the hop to its parent.
import { randomBytes } from 'node:crypto';
import type { RunnerConnection } from './connection.js';
import type { Endpoint } from './endpoint.js';
import type { SpawnError } from './spawn-error.js';

/** Who hears how a spawn goes (spawning.ts). */
export interface StartHooks {
  /** it has an address: bytes sent to it from now on reach it */
  placed?(address: bigint): void;
  /** as STARTED is read, before any frame after it (its first bytes, its EXIT) is routed */
  started(address: bigint): void;
  /** no instance, or it did not start in time, or (heard only if `placed` is
   * not given) it ended before STARTED */
  failed(error: SpawnError): void;
}

export interface Instance {
  readonly address: bigint;
  readonly function: string;
  readonly parent: bigint;
  /** made on the first child: most instances never have one */
  children: Set<bigint> | undefined;
  /** hosts it; absent for endpoints */
  readonly runner: RunnerConnection | undefined;
  /** an endpoint in the daemon: a gateway connection's (no parent), or a
   * special function's instance (a child of the instance that spawned it) */
  readonly endpoint: Endpoint | undefined;
  /** performance.now() of the spawn request */
  readonly requestedAt: number;
  started: boolean;
  /** until STARTED: who waits for it, and by when (performance.now()) */
  hooks: StartHooks | undefined;
  startBy: number;
  /** Flow control with its parent (flow.ts): bytes the parent sent this
   * instance that it has not credited, and bytes it sent the parent that the
   * parent has not credited. */
  unacked: number;
  sentUp: number;
}

/** What `emblyctl ps` shows of a live instance (master.instances()). */
export interface InstanceInfo {
  address: bigint;
  function: string;
  parent: bigint;
  /** the parent's function: '' for a gateway connection, undefined once the parent has ended */
  parentFunction: string | undefined;
  /** its runner's pid */
  runner: number | undefined;
  /** performance.now() of its spawn request */
  requestedAt: number;
  /** its runner has said STARTED */
  started: boolean;
}

export class InstanceTable {
  private readonly byAddress = new Map<bigint, Instance>();
  /** instances on runners, by function (max_instances) */
  private readonly live = new Map<string, number>();
  private addressPool = new DataView(new ArrayBuffer(0));
  private addressAt = 0;

  get(address: bigint): Instance | undefined {
    return this.byAddress.get(address);
  }

  has(address: bigint): boolean {
    return this.byAddress.has(address);
  }

  /** Every live address: instances and gateway connections' endpoints. */
  all(): IterableIterator<Instance> {
    return this.byAddress.values();
  }

  liveCount(fn?: string): number {
    if (fn !== undefined) return this.live.get(fn) ?? 0;
    let n = 0;
    for (const count of this.live.values()) n += count;
    return n;
  }

  addEndpoint(endpoint: (address: bigint) => Endpoint): Endpoint {
    const address = this.newAddress();
    const made = endpoint(address);
    this.byAddress.set(address, record(address, '', 0n, undefined, made, performance.now()));
    return made;
  }

  /** A special function's instance, served in the daemon by an endpoint: a child of `parent`. */
  addSpecial(fn: string, parent: bigint, endpoint: (address: bigint) => Endpoint): Endpoint {
    const address = this.newAddress();
    const made = endpoint(address);
    this.byAddress.set(address, record(address, fn, parent, undefined, made, performance.now()));
    const parentInstance = this.byAddress.get(parent);
    if (parentInstance) (parentInstance.children ??= new Set()).add(address);
    return made;
  }

  /** A new instance of fn on `runner`, child of `parent`. */
  addInstance(fn: string, parent: bigint, runner: RunnerConnection, requestedAt: number, hooks: StartHooks): Instance {
    const instance = record(this.newAddress(), fn, parent, runner, undefined, requestedAt);
    instance.hooks = hooks;
    this.byAddress.set(instance.address, instance);
    this.live.set(fn, (this.live.get(fn) ?? 0) + 1);
    runner.instances.add(instance.address);
    const parentInstance = this.byAddress.get(parent);
    if (parentInstance) (parentInstance.children ??= new Set()).add(instance.address);
    return instance;
  }

  /** Forgets it; its peers are not told (the master does that). */
  remove(instance: Instance): void {
    this.byAddress.delete(instance.address);
    if (instance.runner) {
      this.live.set(instance.function, this.live.get(instance.function)! - 1);
      instance.runner.instances.delete(instance.address);
    }
    this.byAddress.get(instance.parent)?.children?.delete(instance.address);
  }

  /** Random, nonzero and unused: an address is not a capability a peer can guess. */
  private newAddress(): bigint {
    for (;;) {
      if (this.addressAt + 8 > this.addressPool.byteLength) {
        const bytes = randomBytes(4096);
        this.addressPool = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        this.addressAt = 0;
      }
      const address = this.addressPool.getBigUint64(this.addressAt, true);
      this.addressAt += 8;
      if (address !== 0n && !this.byAddress.has(address)) return address;
    }
  }
}

/** Every record has all fields from the start: one shape for V8. */
function record(address: bigint, fn: string, parent: bigint, runner: RunnerConnection | undefined, endpoint: Endpoint | undefined, requestedAt: number): Instance {
  return {
    address, function: fn, parent, children: undefined, runner, endpoint, requestedAt,
    started: endpoint !== undefined, hooks: undefined, startBy: 0, unacked: 0, sentUp: 0,
  };
}
