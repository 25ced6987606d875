// One connection to the master's socket: a runner, a template runner, or
// one that has not said HELLO yet (admission.ts decides which it becomes).
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, type Frame } from './frames.js';

export class RunnerConnection {
  function?: string;
  pid?: number;
  /** has been given an instance (a single-instance runner takes no other) */
  used = false;
  /** has said STARTED: its next instances start warm (docs/metrics.md, `start`) */
  ranAny = false;
  /** a template runner: it forks runners and hosts no instance */
  template = false;
  /** which start of its function it belongs to (a reload starts a new one):
   * only the serving generation's runners take new instances (runner-choice.ts) */
  generation = 0;
  readonly instances = new Set<bigint>();
  readonly decoder = new FrameDecoder();
  private queued: Buffer[] = [];

  constructor(readonly socket: Socket) {}

  get admitted(): boolean {
    return this.function !== undefined;
  }

  /** Who it is, for the log. */
  describe(): string {
    return `runner ${this.pid ?? '?'} (${this.function ?? 'no hello'})`;
  }

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
