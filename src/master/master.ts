// The master: the one place that knows every live address. Runners connect
// to its socket (listen.ts) and say HELLO (admission.ts); it starts instances
// on them (spawning.ts, runner-choice.ts), routes DATA/CLOSE/CREDIT between an
// instance and only its parent and children (routing.ts, flow.ts), and tells
// peers when an instance ends. A gateway connection is an endpoint
// (endpoint.ts) with an address of its own. docs/protocol.md has the frames.

import { FrameError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { formatAddress } from '../instance-address.js';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Admission, type RunnerAuthorizer } from './admission.js';
import type { RunnerConnection } from './connection.js';
import { Endpoint, type EndpointHandler, type EndpointLink } from './endpoint.js';
import type { MasterEvents, SpawnObserver } from './events.js';
import { ExitReason, FrameKind, type Frame } from './frames.js';
import { InstanceTable, type InstanceInfo } from './instances.js';
import { MemoryQueries } from './memory-queries.js';
import { MasterSocket } from './listen.js';
import { Router, type RoutedCounts } from './routing.js';
import { RunnerChoice } from './runner-choice.js';
import { Spawner, type FunctionLimits } from './spawning.js';
import { Specials, type SpecialFunctions } from './specials.js';
import { Templates } from './templates.js';
import { SpawnError } from './spawn-error.js';

export type { RunnerAuthorizer } from './admission.js';
export type { Endpoint, EndpointHandler, PeerHandler } from './endpoint.js';
export { SPECIAL_PREFIX, type SpecialCall, type SpecialFunction, type SpecialFunctions } from './specials.js';
export type * from './events.js';
export type { InstanceInfo } from './instances.js';
export { ERRNO, SpawnError, type SpawnFailure } from './spawn-error.js';

export interface MasterOptions {
  socketPath: string;
  /** The project's functions: max_instances, and whether each instance needs
   * a fresh process (isolation: process; its runners serve one instance). */
  functions: Map<string, FunctionLimits>;
  authorize: RunnerAuthorizer;
  /** The generation (docs/architecture.md, "Reload") of a runner or template
   * runner the supervisor started, by pid (default: 0 for all). */
  generationOf?: (pid: number) => number;
  /** The pid that connected a socket (default: SO_PEERCRED); differs from
   * the HELLO's pid only for a template's children. */
  peerPid?: (socket: Socket) => number | undefined;
  /** Where it says which connections it drops and why (default: stderr, as `master`). */
  log?: Logger;
  /** for a runner to become ready, and for an instance to start (default 5 s) */
  startTimeoutMs?: number;
  /** The project file served, named beside the socket (`<socket>.json`) for a daemon it refuses. */
  project?: string;
  /** Functions built into the daemon, by their reserved names (specials.ts; default none). */
  specials?: SpecialFunctions;
}

export class Master extends EventEmitter<MasterEvents> {
  private readonly log: Logger;
  private readonly socket: MasterSocket;
  private readonly table = new InstanceTable();
  private readonly templates: Templates;
  private readonly admission: Admission;
  private readonly choice: RunnerChoice;
  private readonly router: Router;
  private readonly spawner: Spawner;
  private readonly link: EndpointLink;
  private readonly memory = new MemoryQueries();
  /** the functions instances may be started of, with their limits (a reload changes them) */
  private readonly functions: Map<string, FunctionLimits>;

  constructor(options: MasterOptions) {
    super();
    this.functions = new Map(options.functions);
    const timeoutMs = options.startTimeoutMs ?? 5000;
    this.log = options.log ?? createLogger({ component: 'master' });
    this.socket = new MasterSocket(options.socketPath, {
      frame: (connection, frame) => this.onFrame(connection, frame),
      closed: (connection) => this.forget(connection),
      drop: (connection, why) => this.drop(connection, why),
      warn: (message) => this.log.warn(message),
    }, { project: options.project });
    this.templates = new Templates(timeoutMs, this);
    this.choice = new RunnerChoice(this, timeoutMs);
    this.router = new Router(this.table, this, this.log);
    this.link = {
      spawn: (fn, parent, hooks, requestedAt) => this.spawner.start(fn, parent, hooks, requestedAt),
      send: (from, to, bytes) => this.router.send(from, to, bytes),
      closeTowards: (from, to) => this.router.route({ kind: FrameKind.Close, from, to }),
      credit: (from, to, bytes) => this.router.credit(from, to, bytes),
      kill: (address, reason) => this.spawner.kill(address, reason),
      close: (address) => this.closeEndpoint(address),
    };
    const specials = new Specials(options.specials ?? new Map(), this.table, this.link);
    this.spawner = new Spawner(this.functions, this.table, this.choice, this, timeoutMs, specials);
    this.admission = new Admission({
      knows: (fn) => this.functions.has(fn), authorize: options.authorize, peerPid: options.peerPid, templates: this.templates,
      generationOf: options.generationOf ?? (() => 0),
      runner: (connection) => this.admitRunner(connection),
      template: (connection) => this.templates.add(connection),
      refuse: (connection, why) => this.drop(connection, why),
    });
  }

  get socketPath(): string {
    return this.socket.path;
  }

  /** Listens on the socket path, unless a live master holds it
   * (MasterSocketInUseError); a stale socket file is replaced. */
  listen(): Promise<void> {
    return this.socket.listen();
  }

  /** Ends every connection and removes the socket file, if it is still ours. */
  close(): Promise<void> {
    return this.socket.close();
  }

  /** Runners that said HELLO for a function, of its serving generation. */
  runnerCount(fn: string): number {
    return this.choice.count(fn);
  }

  /** `observer` is told of every spawn from now on, in place of the previous one:
   * the metrics' way, which makes no object per spawn ('started' does). */
  observeSpawns(observer: SpawnObserver | null): void {
    this.spawner.observer = observer;
  }

  /** From now on fn's new instances start on its runners of `generation`
   * (started with that generation, see MasterOptions.generationOf), with
   * these limits; those of older generations take no more and finish theirs.
   * A function the master did not know is added. */
  serveFunction(fn: string, limits: FunctionLimits, generation: number): void {
    this.functions.set(fn, limits);
    this.choice.serve(fn, generation);
  }

  /** fn takes no new instances (a spawn of it is an unknown function); its
   * runners finish what they host. */
  removeFunction(fn: string): void {
    this.functions.delete(fn);
    this.choice.forget(fn, new SpawnError('unknown-function', `no function named "${fn}" (removed by a reload)`));
  }

  /** Instances placed on fn's runners of `generation` and not yet ended. */
  instancesOn(fn: string, generation: number): number {
    return this.choice.instancesOn(fn, generation);
  }

  /** Frames and bytes routed so far (a copy). */
  routedCounts(): RoutedCounts {
    return { ...this.router.counts };
  }

  /** Instances on runners, of fn or of all functions. */
  liveInstances(fn?: string): number {
    return this.table.liveCount(fn);
  }

  /** The live instances (gateway connections' endpoints are not instances), for `emblyctl ps`. */
  instances(): InstanceInfo[] {
    const found: InstanceInfo[] = [];
    for (const i of this.table.all()) {
      if (!i.runner) continue;
      found.push({
        address: i.address, function: i.function, parent: i.parent, parentFunction: this.table.get(i.parent)?.function,
        runner: i.runner.pid, requestedAt: i.requestedAt, started: i.started,
      });
    }
    return found;
  }

  /** The size of each instance's linear memory now, in bytes, asked of its
   * runner; missing for one that ended, or whose runner did not answer within `timeoutMs`. */
  async instanceMemory(addresses: readonly bigint[], timeoutMs = 1000): Promise<Map<bigint, number>> {
    const sizes = new Map<bigint, number>();
    const asks = addresses.map(async (address) => {
      const instance = this.table.get(address);
      const bytes = instance && await this.memory.ask(instance);
      if (bytes !== undefined) sizes.set(address, bytes);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([Promise.all(asks), late]);
    clearTimeout(timer);
    return new Map(sizes);
  }

  /** A gateway connection's end: an address of its own, to spawn one child
   * from and exchange bytes with it. */
  openEndpoint(handler: EndpointHandler): Endpoint {
    return this.table.addEndpoint((address) => new Endpoint(address, handler, this.link));
  }

  /** Asks fn's template runner (the latest, or the one of pid `template`) to
   * fork a fresh runner; its answer is a 'forked' event with this request id.
   * False if fn has no such template connected. */
  fork(fn: string, request: number, template?: number): boolean {
    return this.templates.fork(fn, request, template);
  }

  private closeEndpoint(address: bigint): void {
    const endpoint = this.table.get(address);
    if (!endpoint?.endpoint) return;
    this.table.remove(endpoint);
    // A special function's instance: its parent hears it end as any child's.
    if (endpoint.parent !== 0n) return this.router.tellPeerExit(address, endpoint.parent, ExitReason.Ok, 0);
    const children = endpoint.children;
    if (!children?.size) return;
    // After the frames already read: a child whose EXIT is among them needs no PEER_EXIT.
    setImmediate(() => {
      for (const child of children) if (this.table.has(child)) this.router.tellPeerExit(address, child, ExitReason.Killed, 0);
    });
  }

  // ---- runner connections

  private onFrame(connection: RunnerConnection, frame: Frame): void {
    if (!connection.admitted) return this.admission.hello(connection, frame);
    if (connection.template) return this.templates.frame(connection.pid!, frame);
    switch (frame.kind) {
      case FrameKind.Started: return this.spawner.started(connection, frame);
      case FrameKind.Data:
      case FrameKind.Close:
      case FrameKind.Credit: return this.fromHost(connection, frame.from, () => this.router.route(frame));
      case FrameKind.Exit: return this.fromHost(connection, frame.address, () => this.onExit(frame.address, frame.reason, frame.code));
      case FrameKind.SpawnRequest: return this.fromHost(connection, frame.requester, () => this.spawner.spawnRequest(connection, frame));
      // Not through fromHost: the instance may have ended since it was asked about.
      case FrameKind.MemorySize: return this.memory.answered(connection, frame.address, frame.bytes);
      case FrameKind.Log: return this.fromHost(connection, frame.address, () => this.emit('log', {
        address: frame.address, function: connection.function!, fd: frame.fd, line: Buffer.from(frame.line).toString('utf8'),
      }));
      default: throw new FrameError(`unexpected ${FrameKind[frame.kind]} frame from a runner`);
    }
  }

  /** Runs `act` only if the runner hosts `address`: no runner speaks for another's instances. */
  private fromHost(runner: RunnerConnection, address: bigint, act: () => void): void {
    if (!runner.instances.has(address)) throw new FrameError(`frame about address ${formatAddress(address)}, which this runner does not host`);
    act();
  }

  private admitRunner(runner: RunnerConnection): void {
    this.choice.add(runner);
    this.emit('runner', { function: runner.function!, pid: runner.pid!, generation: runner.generation });
    this.choice.serveWaiters(runner.function!);
  }

  private drop(connection: RunnerConnection, why: string): void {
    this.log.warn(`dropping ${connection.describe()}: ${why}`);
    connection.socket.destroy();
  }

  private onExit(address: bigint, reason: ExitReason, code: number): void {
    const instance = this.table.get(address);
    if (!instance) return;
    this.table.remove(instance);
    if (!instance.started) this.spawner.ended(instance, reason);
    this.router.tellPeersOfExit(instance, reason, code);
    const durationMs = performance.now() - instance.requestedAt;
    this.emit('exit', { address, function: instance.function, reason, code, durationMs });
  }

  /** A connection closed: a runner's instances are gone (killed). */
  private forget(connection: RunnerConnection): void {
    if (connection.template) return this.templates.remove(connection.pid!);
    if (!connection.admitted) return;
    this.memory.forget(connection);
    this.choice.remove(connection);
    for (const address of [...connection.instances]) this.onExit(address, ExitReason.Killed, 0);
    this.emit('runnerLost', { function: connection.function!, pid: connection.pid!, generation: connection.generation });
  }
}
