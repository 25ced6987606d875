// emblyctl's end of the control socket: connect (a missing daemon is one
// clear error, exit 3), send requests, read answers by id (protocol.ts).
import { connect, type Socket } from 'node:net';
import { ControlAccessError, ControlConnectionError, DaemonAnsweredError, DaemonNotRunningError } from '../errors.js';
import { socketPeer } from '../master/peer.js';
import { LineSplitter, MAX_RESPONSE_BYTES, type ControlErrorBody, type ControlMethod, type RequestId } from './protocol.js';

interface Pending { resolve(result: unknown): void; reject(error: Error): void; event?(event: unknown): void; untilClosed: boolean; }

export interface RequestOptions {
  params?: Record<string, unknown>;
  /** each event line before the result (logs) */
  onEvent?(event: unknown): void;
  /** no answer by then is an error (default: wait as long as it takes) */
  timeoutMs?: number;
  /** it answers until the daemon closes the connection (logs, following): the close ends it, and is no error */
  untilClosed?: boolean;
}

export class ControlClient {
  private readonly pending = new Map<RequestId, Pending>();
  private nextId = 1;
  /** what ended the connection first: later requests fail with it */
  private failure: Error | undefined;
  /** resolves when the daemon closes the connection (after `stop`: once it has stopped) */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket, readonly path: string) {
    const lines = new LineSplitter(MAX_RESPONSE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of lines.push(chunk)) this.answer(line);
      } catch (e) {
        this.fail(e instanceof ControlConnectionError ? e : new ControlConnectionError(`the daemon at ${path} answered what is not the control protocol: ${(e as Error).message}`));
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      for (const pending of [...this.pending.values()]) if (pending.untilClosed && !this.failure) pending.resolve(undefined);
      this.fail(new ControlConnectionError(`the daemon at ${path} closed the connection before answering`));
      resolve();
    }));
  }

  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('error', (e: NodeJS.ErrnoException) => reject(connectError(path, e)));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', () => {}); // its close follows, and fails what waits
        const refusal = untrusted(socket, path);
        if (refusal) {
          socket.destroy();
          return reject(refusal);
        }
        resolve(new ControlClient(socket, path));
      });
    });
  }

  /** One request; resolves with its result, rejects with the daemon's error. */
  request(method: ControlMethod, options: RequestOptions = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
        this.pending.delete(id);
        reject(new ControlConnectionError(`the daemon at ${this.path} did not answer ${method} within ${options.timeoutMs! / 1000} s`));
      }, options.timeoutMs);
      const settle = <T>(then: (value: T) => void) => (value: T) => { clearTimeout(timer); this.pending.delete(id); then(value); };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject), event: options.onEvent, untilClosed: options.untilClosed === true });
      this.socket.write(`${JSON.stringify({ id, method, params: options.params ?? {} })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private answer(line: string): void {
    let answer: { id?: RequestId | null; result?: unknown; error?: ControlErrorBody; event?: unknown };
    try {
      answer = JSON.parse(line) as typeof answer;
    } catch {
      throw new ControlConnectionError(`the daemon at ${this.path} answered a line that is not JSON`);
    }
    if (answer.id === null && answer.error) return this.fail(answerError(answer.error)); // about the connection, not a request
    const pending = answer.id === undefined || answer.id === null ? undefined : this.pending.get(answer.id);
    if (!pending) return;
    if (answer.error) pending.reject(answerError(answer.error));
    else if ('event' in answer) pending.event?.(answer.event);
    else pending.resolve(answer.result);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of [...this.pending.values()]) pending.reject(this.failure);
  }
}

function answerError(error: ControlErrorBody): Error {
  if (error.code === 'EMBLY_CONTROL_DENIED') return new ControlAccessError(`the daemon refused this user: ${error.message}`);
  const exitCode = Number.isInteger(error.exitCode) && error.exitCode! > 0 && error.exitCode! < 256 ? error.exitCode : undefined;
  return new DaemonAnsweredError(error.code, error.message, exitCode);
}

function connectError(path: string, e: NodeJS.ErrnoException): Error {
  switch (e.code) {
    case 'ENOENT': case 'ENOTDIR':
      return new DaemonNotRunningError(`embly is not running: no control socket at ${path}`);
    case 'ECONNREFUSED':
      return new DaemonNotRunningError(`embly is not running: nothing listens on the control socket at ${path} (left by a daemon that was killed)`);
    case 'EACCES': case 'EPERM':
      return new ControlAccessError(`permission denied on the control socket ${path}: the daemon runs as another user (run emblyctl as that user, or as root)`);
    default:
      return new ControlConnectionError(`cannot connect to the control socket ${path}: ${e.code ?? e.message}`);
  }
}

/** The daemon must be us or root (or we are root): a socket another user put
 * in its place (in a shared /tmp, say) is not believed. */
function untrusted(socket: Socket, path: string): Error | undefined {
  const uid = process.getuid!();
  const peer = socketPeer(socket);
  if (uid === 0 || peer?.uid === uid || peer?.uid === 0) return undefined;
  return new ControlAccessError(`the control socket ${path} is served by ${peer ? `uid ${peer.uid}` : 'an unknown process'}, not by this user or root: not talking to it`);
}
