// An end of the master in the daemon, with an address of its own: a gateway
// connection's (the parent of the one instance it starts) or a special
// function's instance (specials.ts: the child of the instance that spawned
// it). It owns the daemon's half of flow control (docs/protocol.md, CREDIT),
// like undici's handlers: write() answers false when the writer must pause,
// and onDrain() says when to go on; a handler whose onData() answers false
// (its own reader is slow) gets its peer no more credit until resume().
// Bytes a gateway writes before its instance has an address wait here,
// within a window.
import { InternalError } from '../errors.js';
import { CREDIT_AFTER_BYTES, ExitReason, WINDOW_BYTES } from './frames.js';
import type { StartHooks } from './instances.js';
import type { SpawnError } from './spawn-error.js';

/** What an endpoint's owner hears from its peer. */
export interface PeerHandler {
  /** The peer's bytes. False: they could not all be passed on yet; the peer
   * gets no more credit until resume(). */
  onData(bytes: Uint8Array): boolean;
  /** The peer closed its side. */
  onClose(): void;
  /** The peer ended; also a child that ended before it started (reason error). */
  onExit(reason: ExitReason, code: number): void;
  /** write() answered false, and the peer may now take more. */
  onDrain(): void;
}

/** What a gateway connection's endpoint hears from its child. */
export interface EndpointHandler extends PeerHandler {
  /** No instance ran: none could be had (at capacity, no runner), or it did
   * not start in time (it is killed). Nothing more is heard of it. */
  onSpawnError(error: SpawnError): void;
}

/** What the master does for its endpoints (master.ts). */
export interface EndpointLink {
  /** `requestedAt` (performance.now()): when the gateway had the request */
  spawn(fn: string, parent: bigint, hooks: StartHooks, requestedAt: number): void;
  /** false when the peer's window is full */
  send(from: bigint, to: bigint, bytes: Uint8Array): boolean;
  closeTowards(from: bigint, to: bigint): void;
  credit(from: bigint, to: bigint, bytes: number): void;
  kill(address: bigint, reason: ExitReason.Timeout | ExitReason.Killed): void;
  close(address: bigint): void;
}

export class Endpoint implements StartHooks {
  /** the instance it started, once it has an address; or the instance that
   * spawned this special function's instance */
  private peer: bigint | undefined;
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  /** no instance ran (onSpawnError) */
  private spawnFailed = false;
  private closed = false;
  /** end() was called: CLOSE goes after the last bytes */
  private ending = false;
  /** write() answered false: the writer waits for onDrain() */
  private blocked = false;
  /** the handler's onData() answered false: credit waits for resume() */
  private paused = false;
  /** the peer's bytes handed to the handler and not yet credited */
  private owed = 0;

  /** `parent`: this is a special function's instance, whose parent is that instance. */
  constructor(
    readonly address: bigint,
    private readonly handler: PeerHandler & Partial<EndpointHandler>,
    private readonly link: EndpointLink,
    private readonly parent?: bigint,
  ) {
    this.peer = parent;
  }

  /** Starts fn as this endpoint's child. Write at once: bytes wait for its
   * address. `requestedAt` (performance.now(), default now): when the
   * gateway had the request or the connection, where its spawn latency starts. */
  spawn(fn: string, requestedAt = performance.now()): void {
    if (this.parent !== undefined) throw new InternalError('a special function\'s instance spawns nothing');
    this.link.spawn(fn, this.address, this, requestedAt);
  }

  /** Bytes for the peer, in order. False: write nothing more until onDrain(). */
  write(bytes: Uint8Array): boolean {
    if (this.peer !== undefined) return this.room(this.link.send(this.address, this.peer, bytes));
    if (this.spawnFailed || this.closed) return true;
    this.early.push(bytes);
    this.earlyBytes += bytes.length;
    return this.room(this.earlyBytes < WINDOW_BYTES);
  }

  /** No more bytes for the peer: it reads EOF after the last. */
  end(): void {
    this.ending = true;
    if (this.peer !== undefined) this.link.closeTowards(this.address, this.peer);
  }

  /** The handler's reader took what onData() could not pass on. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.creditIfDue();
  }

  /** Ends the child (a deadline, or a client gone); a special function's
   * instance kills nobody. */
  kill(reason: ExitReason.Timeout | ExitReason.Killed): void {
    if (this.peer !== undefined && this.parent === undefined) this.link.kill(this.peer, reason);
  }

  /** The endpoint is done; its address goes, and its peer hears it as its
   * peer's end (a child placed later is killed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.close(this.address);
  }

  private room(has: boolean): boolean {
    if (!has) this.blocked = true;
    return has;
  }

  private creditIfDue(): void {
    if (this.owed < CREDIT_AFTER_BYTES || this.peer === undefined) return;
    this.link.credit(this.address, this.peer, this.owed);
    this.owed = 0;
  }

  // ---- the master's side: its spawn (StartHooks) and routing (routing.ts)

  placed(address: bigint): void {
    if (this.closed) return this.link.kill(address, ExitReason.Killed);
    this.peer = address;
    let room = true;
    for (const bytes of this.early) room = this.link.send(this.address, address, bytes);
    this.early = [];
    if (this.ending) this.link.closeTowards(this.address, address);
    if (room) this.drained();
    else this.blocked = true;
  }

  started(): void {}

  failed(error: SpawnError): void {
    // One that ended before STARTED is heard as its end, like any other.
    if (error.reason === 'start-failed' || this.closed) return;
    this.spawnFailed = true;
    this.early = [];
    this.handler.onSpawnError?.(error);
  }

  delivered(bytes: Uint8Array): void {
    this.owed += bytes.length;
    if (this.handler.onData(bytes) === false) return void (this.paused = true);
    this.paused = false;
    this.creditIfDue();
  }

  peerClosed(): void {
    this.handler.onClose();
  }

  /** The peer has room again. */
  drained(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.handler.onDrain();
  }

  exited(reason: ExitReason, code: number): void {
    if (!this.spawnFailed) this.handler.onExit(reason, code);
  }
}
