// The master: the one place that knows every live address. Runners connect
// to its socket and say HELLO; it starts instances on them (SPAWN), routes
// DATA/CLOSE between an instance and only its parent and children, and tells
// peers when an instance ends. Gateway connections are builtin endpoints with
// addresses of their own. docs/protocol.md has the frames.

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { CREDIT_AFTER_BYTES, encodeFrame, ExitReason, FrameDecoder, FrameKind, MAX_UNCREDITED_BYTES, PROTOCOL_VERSION, WINDOW_BYTES, type ChildExitFrame, type Frame } from './frames.js';
import { socketPeer } from './peer.js';
import { clearStaleSocket, inUse, removeOwnSocket, socketIdentity } from './socket-file.js';
import { Templates } from './templates.js';

export const ERRNO = { ok: 0, ENOENT: 44, ENOMEM: 48, EAGAIN: 6 } as const;

export class SpawnError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

/** What a builtin endpoint (a gateway connection) hears from its child. */
export interface EndpointHandler {
  data(bytes: Uint8Array): void;
  close(): void;
  exit(reason: ExitReason, code: number): void;
  /** The child has read enough of what send() gave it: after send() answered
   * false, it may take more. */
  writable?(): void;
}

export interface InstanceExit { address: bigint; function: string; reason: ExitReason; code: number; }

/** Who may say HELLO (or, `template`, TEMPLATE_HELLO): the supervisor knows
 * the pids it started. A template's children are admitted here instead (templates.ts). */
export type RunnerAuthorizer = (socket: Socket, hello: { pid: number; function: string; template: boolean }) => boolean;

/** A template's report of a child it reaped. */
export interface ChildExit { function: string; template: number; report: ChildExitFrame; }
/** A template's answer to fork(): the child's pid, or 0 and an errno. */
export interface Forked { function: string; template: number; request: number; pid: number; errno: number; }

export interface MasterOptions {
  socketPath: string;
  /** The project's functions: max_instances, and whether each instance needs
   * a fresh process (isolation: process; its runners serve one instance). */
  functions: Map<string, { maxInstances: number; isolation?: 'instance' | 'process' }>;
  authorize: RunnerAuthorizer;
  /** The pid that connected a socket (default: SO_PEERCRED); differs from
   * the HELLO's pid only for a template's children. */
  peerPid?: (socket: Socket) => number | undefined;
  log?: (message: string) => void;
  startTimeoutMs?: number;
}

interface Instance {
  address: bigint;
  function: string;
  parent: bigint;
  /** made on the first child: most instances never have one */
  children?: Set<bigint>;
  runner?: RunnerConnection;     // hosts it; absent for builtin endpoints
  handler?: EndpointHandler;     // builtin endpoints only
  started: boolean;
  /** Flow control with its parent (docs/protocol.md, CREDIT), as routed here:
   * bytes the parent sent this instance that it has not credited, bytes it
   * sent the parent that the parent has not credited, and, for a builtin
   * parent, bytes of this instance's the parent has read and not yet credited. */
  unacked: number;
  sentUp: number;
  owed: number;
}

interface PendingStart { resolve: () => void; reject: (e: SpawnError) => void; timer: NodeJS.Timeout; }

type RoutedFrame = Extract<Frame, { kind: FrameKind.Data | FrameKind.Close | FrameKind.Credit }>;

/** A spawn waiting for a runner of its function to say HELLO. */
interface RunnerWaiter { fresh: boolean; onRunner: (runner: RunnerConnection) => void; timer: NodeJS.Timeout; }

class RunnerConnection {
  function?: string;
  pid?: number;
  /** has been given an instance (a single-instance runner takes no other) */
  used = false;
  /** a template runner: it forks runners and hosts no instance */
  template = false;
  readonly instances = new Set<bigint>();
  readonly decoder = new FrameDecoder();
  constructor(readonly socket: Socket) {}
  private queued: Buffer[] = [];
  send(frame: Frame): void {
    // One write per runner per turn of the event loop: frames produced while
    // handling a batch of I/O leave together, and wake the runner once.
    if (this.queued.push(encodeFrame(frame)) === 1) setImmediate(() => this.flush());
  }
  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    if (!this.socket.destroyed) this.socket.write(queued.length === 1 ? queued[0]! : Buffer.concat(queued));
  }
}

export class Master extends EventEmitter {
  private server?: Server;
  /** the socket file this master made (socket-file.ts) */
  private socketFile?: string;
  private readonly instances = new Map<bigint, Instance>();
  private readonly runners = new Map<string, Set<RunnerConnection>>();
  private readonly pendingStarts = new Map<bigint, PendingStart>();
  /** spawns waiting for a runner, by function, oldest first */
  private readonly waiting = new Map<string, RunnerWaiter[]>();
  private readonly log: (message: string) => void;
  private readonly templates: Templates;
  /** every open connection: runners, templates, and those yet to say HELLO */
  private readonly connections = new Set<RunnerConnection>();

  get socketPath(): string {
    return this.options.socketPath;
  }

  constructor(private readonly options: MasterOptions) {
    super();
    this.log = options.log ?? ((m) => console.error(`master: ${m}`));
    this.templates = new Templates(options.startTimeoutMs ?? 5000);
  }

  /** Listens on the socket path, unless a live master holds it
   * (MasterSocketInUseError); a stale socket file is replaced. */
  async listen(): Promise<void> {
    const path = this.options.socketPath;
    await clearStaleSocket(path);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? inUse(path) : e));
      server.listen(path, () => resolve());
    });
    this.server = server;
    await chmod(path, 0o600);
    this.socketFile = await socketIdentity(path);
  }

  /** Ends every connection and removes the socket file, if it is still ours. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await removeOwnSocket(this.options.socketPath, this.socketFile);
  }

  /** Runners that said HELLO for a function. */
  runnerCount(fn: string): number {
    return this.runners.get(fn)?.size ?? 0;
  }

  private readonly liveCount = new Map<string, number>();

  liveInstances(fn?: string): number {
    if (fn) return this.liveCount.get(fn) ?? 0;
    let n = 0;
    for (const i of this.instances.values()) if (i.runner) n++;
    return n;
  }

  /** A builtin endpoint (a gateway connection) with an address of its own. */
  openEndpoint(handler: EndpointHandler): bigint {
    const address = this.newAddress();
    this.instances.set(address, { address, function: '', parent: 0n, handler, started: true, unacked: 0, sentUp: 0, owed: 0 });
    return address;
  }

  closeEndpoint(address: bigint): void {
    const endpoint = this.instances.get(address);
    if (!endpoint?.handler) return;
    this.instances.delete(address);
    const children = endpoint.children;
    if (!children?.size) return;
    // After the frames already read: a child whose EXIT is among them needs no PEER_EXIT.
    setImmediate(() => {
      for (const child of children) if (this.instances.has(child)) this.tellPeerExit(address, child, ExitReason.Killed, 0);
    });
  }

  /** Starts an instance of fn whose parent is `parent`; resolves with its
   * address once it runs. `onAddress` hears the address as soon as there is
   * one: bytes sent to it from then on reach the instance. */
  spawn(fn: string, parent: bigint, onAddress?: (address: bigint) => void): Promise<bigint> {
    return new Promise((resolve, reject) => this.startThen(fn, parent, resolve, reject, onAddress));
  }

  /** spawn() with callbacks: `started` runs as STARTED is read, before any
   * frame after it (the instance's first bytes, its EXIT) is routed. */
  private startThen(fn: string, parent: bigint, started: (address: bigint) => void, failed: (e: SpawnError) => void,
    onAddress?: (address: bigint) => void): void {
    this.start(fn, parent, (address) => {
      const timer = setTimeout(() => this.failStart(address, 'did not start in time'), this.options.startTimeoutMs ?? 5000);
      this.pendingStarts.set(address, { resolve: () => started(address), reject: failed, timer });
      onAddress?.(address);
    }, failed);
  }

  /** spawn() without waiting for the instance to run: for builtin endpoints,
   * which hear an instance that fails to start as its EXIT, and have
   * deadlines of their own. Calls back at once when a runner is ready. */
  start(fn: string, parent: bigint, onAddress: (address: bigint) => void, onError: (e: SpawnError) => void): void {
    const limits = this.options.functions.get(fn);
    if (!limits) return onError(new SpawnError(ERRNO.ENOENT, `no function named "${fn}"`));
    if (this.liveInstances(fn) >= limits.maxInstances) return onError(new SpawnError(ERRNO.ENOMEM, `${fn} is at max_instances (${limits.maxInstances})`));
    const fresh = limits.isolation === 'process';
    const runner = this.claimRunner(fn, fresh);
    if (runner) return onAddress(this.place(fn, parent, runner));
    this.awaitRunner(fn, fresh, (next) => onAddress(this.place(fn, parent, next)), onError);
  }

  /** Records a new instance on `runner` and tells the runner to start it. */
  private place(fn: string, parent: bigint, runner: RunnerConnection): bigint {
    const address = this.newAddress();
    this.instances.set(address, { address, function: fn, parent, runner, started: false, unacked: 0, sentUp: 0, owed: 0 });
    this.liveCount.set(fn, (this.liveCount.get(fn) ?? 0) + 1);
    runner.instances.add(address);
    const parentInstance = this.instances.get(parent);
    if (parentInstance) (parentInstance.children ??= new Set()).add(address);
    runner.send({ kind: FrameKind.Spawn, address, parent, function: fn });
    return address;
  }

  /** Bytes from a builtin endpoint to one of its children. False when the
   * child's window is full: send nothing more until the endpoint's handler
   * hears writable(). */
  send(from: bigint, to: bigint, bytes: Uint8Array): boolean {
    const child = this.instances.get(to);
    this.route({ kind: FrameKind.Data, from, to, bytes }, this.instances.get(from), child);
    return !child || child.parent !== from || child.unacked < WINDOW_BYTES;
  }

  /** A builtin endpoint is done with `bytes` of what its child `from` sent it
   * (delivered onwards): the child may send more. Credited by half windows,
   * so that small answers cost no frame. */
  consumed(endpoint: bigint, from: bigint, bytes: number): void {
    const child = this.instances.get(from);
    if (!child?.runner || child.parent !== endpoint) return;
    child.owed += bytes;
    if (child.owed < CREDIT_AFTER_BYTES) return;
    child.runner.send({ kind: FrameKind.Credit, from: endpoint, to: from, bytes: child.owed });
    child.sentUp = Math.max(0, child.sentUp - child.owed);
    child.owed = 0;
  }

  closeTowards(from: bigint, to: bigint): void {
    this.route({ kind: FrameKind.Close, from, to });
  }

  /** Asks fn's template runner to fork a fresh runner; its answer is a
   * 'forked' event with this request id. False if fn has no template connected. */
  fork(fn: string, request: number): boolean {
    return this.templates.fork(fn, request);
  }

  kill(address: bigint, reason: ExitReason.Timeout | ExitReason.Killed): void {
    this.instances.get(address)?.runner?.send({ kind: FrameKind.Kill, address, reason });
  }

  // ---- runner connections --------------------------------------------------

  private accept(socket: Socket): void {
    const runner = new RunnerConnection(socket);
    this.connections.add(runner);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of runner.decoder.push(chunk)) this.onFrame(runner, frame);
      } catch (e) {
        this.drop(runner, (e as Error).message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.forget(runner));
  }

  private drop(runner: RunnerConnection, why: string): void {
    this.log(`dropping runner ${runner.pid ?? '?'} (${runner.function ?? 'no hello'}): ${why}`);
    runner.socket.destroy();
  }

  private onFrame(runner: RunnerConnection, frame: Frame): void {
    if (!runner.function) return this.onHello(runner, frame);
    if (runner.template) return this.onTemplateFrame(runner, frame);
    switch (frame.kind) {
      case FrameKind.Started: return this.onStarted(runner, frame.address);
      case FrameKind.Data:
      case FrameKind.Close:
      case FrameKind.Credit: return this.fromRunner(runner, frame.from, () => this.route(frame));
      case FrameKind.Exit: return this.fromRunner(runner, frame.address, () => this.onExit(frame.address, frame.reason, frame.code));
      case FrameKind.SpawnRequest: return this.fromRunner(runner, frame.requester, () => this.onSpawnRequest(runner, frame));
      case FrameKind.Log: return this.fromRunner(runner, frame.address, () => this.emit('log', { address: frame.address, function: runner.function, fd: frame.fd, line: Buffer.from(frame.line).toString('utf8') }));
      default: throw new Error(`unexpected ${FrameKind[frame.kind]} frame from a runner`);
    }
  }

  private onHello(runner: RunnerConnection, frame: Frame): void {
    if (frame.kind !== FrameKind.Hello && frame.kind !== FrameKind.TemplateHello) throw new Error(`expected HELLO, got ${FrameKind[frame.kind]}`);
    if (frame.version !== PROTOCOL_VERSION) throw new Error(`protocol version ${frame.version} is not ${PROTOCOL_VERSION}`);
    if (!this.options.functions.has(frame.function)) throw new Error(`HELLO for unknown function "${frame.function}"`);
    const template = frame.kind === FrameKind.TemplateHello;
    const peer = (this.options.peerPid ?? ((s) => socketPeer(s)?.pid))(runner.socket);
    if (!template && peer !== undefined && peer !== frame.pid) {
      // A template's child: its template vouches for it, not the supervisor.
      const admit = () => { if (!runner.socket.destroyed) this.admitRunner(runner, frame.pid, frame.function); };
      return this.templates.admit(peer, frame.pid, frame.function, admit, (why) => this.drop(runner, why));
    }
    if (!this.options.authorize(runner.socket, { pid: frame.pid, function: frame.function, template }))
      throw new Error(`pid ${frame.pid} is not a ${template ? 'template runner' : 'runner'} we started`);
    if (template) return this.admitTemplate(runner, frame.pid, frame.function);
    this.admitRunner(runner, frame.pid, frame.function);
  }

  private admitTemplate(runner: RunnerConnection, pid: number, fn: string): void {
    runner.function = fn;
    runner.pid = pid;
    runner.template = true;
    this.templates.add({ pid, function: fn, fork: (request) => runner.send({ kind: FrameKind.Fork, request }) });
    this.emit('template', { function: fn, pid });
  }

  private onTemplateFrame(runner: RunnerConnection, frame: Frame): void {
    const template = runner.pid!;
    const fn = runner.function!;
    if (frame.kind === FrameKind.Forked) {
      this.templates.announce(template, frame.pid);
      this.emit('forked', { function: fn, template, request: frame.request, pid: frame.pid, errno: frame.errno } satisfies Forked);
    } else if (frame.kind === FrameKind.ChildExit) {
      this.templates.forget(template, frame.pid);
      this.emit('childExit', { function: fn, template, report: frame } satisfies ChildExit);
    } else {
      throw new Error(`unexpected ${FrameKind[frame.kind]} frame from a template runner`);
    }
  }

  private admitRunner(runner: RunnerConnection, pid: number, fn: string): void {
    runner.function = fn;
    runner.pid = pid;
    const set = this.runners.get(fn) ?? new Set();
    set.add(runner);
    this.runners.set(fn, set);
    this.emit('runner', { function: fn, pid });
    this.serveWaiters(fn);
  }

  /** Runs `act` only if the runner hosts `address`: no runner speaks for another's instances. */
  private fromRunner(runner: RunnerConnection, address: bigint, act: () => void): void {
    if (!runner.instances.has(address)) throw new Error(`frame about address ${address.toString(16)}, which this runner does not host`);
    act();
  }

  private onStarted(runner: RunnerConnection, address: bigint): void {
    const instance = this.instances.get(address);
    if (!instance || instance.runner !== runner || instance.started) throw new Error(`unexpected STARTED for ${address.toString(16)}`);
    instance.started = true;
    const pending = this.pendingStarts.get(address);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingStarts.delete(address);
    pending.resolve();
  }

  private failStart(address: bigint, why: string): void {
    const pending = this.pendingStarts.get(address);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingStarts.delete(address);
    pending.reject(new SpawnError(ERRNO.EAGAIN, `instance ${address.toString(16)} ${why}`));
  }

  private onSpawnRequest(runner: RunnerConnection, frame: Extract<Frame, { kind: FrameKind.SpawnRequest }>): void {
    const answer = (errno: number, child: bigint) =>
      runner.send({ kind: FrameKind.SpawnResult, requester: frame.requester, request: frame.request, errno, child });
    // Answered as STARTED is read: a child that writes or exits at once must
    // not reach its parent's runner before the handle for it does.
    this.startThen(frame.function, frame.requester,
      (child) => (this.instances.has(frame.requester) ? answer(ERRNO.ok, child) : this.kill(child, ExitReason.Killed)),
      (e) => answer(e.errno, 0n),
    );
  }

  // ---- routing ---------------------------------------------------------------

  private mayTalk(from: Instance, to: bigint): boolean {
    return from.parent === to || from.children?.has(to) === true;
  }

  /** DATA, CLOSE and CREDIT go from an address to its parent or a child only:
   * to a runner as they are, to a builtin endpoint as calls on its handler. */
  private route(frame: RoutedFrame, from = this.instances.get(frame.from), to = this.instances.get(frame.to)): void {
    if (!from || !to || !this.mayTalk(from, frame.to)) {
      if (from && !this.mayTalk(from, frame.to)) this.log(`dropped a ${FrameKind[frame.kind]} from ${frame.from.toString(16)} to ${frame.to.toString(16)}: not its parent or child`);
      return;
    }
    const full = from.unacked >= WINDOW_BYTES; // for a CREDIT: the window of its parent's bytes
    if (frame.kind === FrameKind.Data) this.countData(from, to, frame.bytes.length);
    else if (frame.kind === FrameKind.Credit) this.countCredit(from, to, frame.bytes);
    if (!to.handler) return to.runner?.send(frame);
    if (frame.kind === FrameKind.Data) to.handler.data(frame.bytes);
    else if (frame.kind === FrameKind.Close) to.handler.close();
    else if (full && from.unacked < WINDOW_BYTES) to.handler.writable?.();
  }

  /** A runner whose instance sends past the window is dropped (as for any
   * protocol breach) before the bytes go on: its peer would have to hold them. */
  private countData(writer: Instance, reader: Instance, bytes: number): void {
    const held = reader.parent === writer.address ? (reader.unacked += bytes) : (writer.sentUp += bytes);
    if (writer.runner && held > MAX_UNCREDITED_BYTES)
      throw new Error(`${writer.address.toString(16)} sent ${reader.address.toString(16)} more than its flow-control window`);
  }

  /** `reader` credited `bytes` of what `writer` sent it. */
  private countCredit(reader: Instance, writer: Instance, bytes: number): void {
    if (writer.parent === reader.address) writer.sentUp = Math.max(0, writer.sentUp - bytes);
    else reader.unacked = Math.max(0, reader.unacked - bytes);
  }

  private tellPeerExit(from: bigint, to: bigint, reason: ExitReason, code: number): void {
    const peer = this.instances.get(to);
    if (peer?.handler) peer.handler.exit(reason, code);
    else peer?.runner?.send({ kind: FrameKind.PeerExit, from, to, reason, code });
  }

  private onExit(address: bigint, reason: ExitReason, code: number): void {
    const instance = this.instances.get(address);
    if (!instance) return;
    this.instances.delete(address);
    if (instance.runner) this.liveCount.set(instance.function, this.liveCount.get(instance.function)! - 1);
    instance.runner?.instances.delete(address);
    this.instances.get(instance.parent)?.children?.delete(address);
    this.failStart(address, reason === ExitReason.Error ? 'failed to start' : `ended (${ExitReason[reason]}) before starting`);
    this.tellPeerExit(address, instance.parent, reason, code);
    for (const child of instance.children ?? []) this.tellPeerExit(address, child, reason, code);
    this.emit('exit', { address, function: instance.function, reason, code } satisfies InstanceExit);
  }

  /** A runner connection closed: its instances are gone (killed). */
  private forget(runner: RunnerConnection): void {
    this.connections.delete(runner);
    if (runner.template) return this.templates.remove(runner.pid!);
    if (runner.function) this.runners.get(runner.function)?.delete(runner);
    for (const address of [...runner.instances]) this.onExit(address, ExitReason.Killed, 0);
  }

  /** Waits, in order of asking, for the next runner of fn to say HELLO (a
   * replacement starting, or the next fresh process of a single-instance
   * pool), within the start timeout. */
  private awaitRunner(fn: string, fresh: boolean, onRunner: (runner: RunnerConnection) => void, onError: (e: SpawnError) => void): void {
    const queue = this.waiting.get(fn) ?? [];
    this.waiting.set(fn, queue);
    const waiter: RunnerWaiter = {
      fresh, onRunner,
      timer: setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        onError(new SpawnError(ERRNO.EAGAIN, `no runner for ${fn} became ready`));
      }, this.options.startTimeoutMs ?? 5000),
    };
    queue.push(waiter);
  }

  /** A runner of fn said HELLO: it goes to those waiting first. */
  private serveWaiters(fn: string): void {
    const queue = this.waiting.get(fn);
    while (queue?.length) {
      const runner = this.claimRunner(fn, queue[0]!.fresh);
      if (!runner) return;
      const waiter = queue.shift()!;
      clearTimeout(waiter.timer);
      waiter.onRunner(runner);
    }
  }

  /** Picks a runner and, for isolation: process, claims it at once, so two
   * spawns waiting for the same fresh runner cannot both take it. */
  private claimRunner(fn: string, fresh: boolean): RunnerConnection | undefined {
    const runner = this.pickRunner(fn, fresh);
    if (!runner) return undefined;
    runner.used = true;
    if (fresh) this.emit('claimed', { function: fn, pid: runner.pid! });
    return runner;
  }

  /** The runner with the fewest instances; for isolation: process, one never used. */
  private pickRunner(fn: string, fresh: boolean): RunnerConnection | undefined {
    let best: RunnerConnection | undefined;
    for (const runner of this.runners.get(fn) ?? []) {
      if (fresh && runner.used) continue;
      if (!best || runner.instances.size < best.instances.size) best = runner;
    }
    return best;
  }

  private addressPool = new DataView(new ArrayBuffer(0));
  private addressAt = 0;
  private newAddress(): bigint {
    for (;;) {
      if (this.addressAt + 8 > this.addressPool.byteLength) {
        const bytes = randomBytes(4096);
        this.addressPool = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        this.addressAt = 0;
      }
      const address = this.addressPool.getBigUint64(this.addressAt, true);
      this.addressAt += 8;
      if (address !== 0n && !this.instances.has(address)) return address;
    }
  }
}
