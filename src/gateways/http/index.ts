// The HTTP gateway: a listener per gateway port. Each request spawns an
// instance of the gateway's function, which gets the raw HTTP/1.1 request on
// handle 1 and answers a raw HTTP response, relayed to the client as it
// streams. The gateway parses both sides itself (head.ts, body.ts), strictly,
// so that it can pass bytes through unchanged: connection.ts reads requests,
// exchange.ts runs one request against the function.

import { createServer, type Server } from 'node:net';
import { listenOn } from '../listen.js';
import { ClientConnection } from './connection.js';
import type { GatewayContext } from './exchange.js';

export { MAX_REQUEST_HEAD_BYTES, requestStart } from './connection.js';

export interface HttpGatewayOptions extends GatewayContext {
  port: number;
  host?: string;
  /** an idle keep-alive client connection is closed after this (default 5 s, like Node's) */
  keepAliveTimeoutMs?: number;
  /** a request head must arrive within this (default 30 s), else 408 */
  headTimeoutMs?: number;
}

/** Deadlines are checked by one timer per gateway, not one per connection. */
const SWEEP_MS = 250;

export class HttpGateway {
  private server?: Server;
  private readonly connections = new Set<ClientConnection>();
  private sweeper?: NodeJS.Timeout;
  /** the listener's end: resolves once it has stopped and every connection has ended */
  private closed?: Promise<void>;
  private draining = false;

  constructor(private readonly options: HttpGatewayOptions) {}

  /** Client connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Starts listening; resolves with the port (useful when asked for 0). */
  async listen(): Promise<number> {
    const forget = (c: ClientConnection) => this.connections.delete(c);
    const sweeps = (ms: number) => Math.max(1, Math.ceil(ms / SWEEP_MS));
    const deadlines = { idleSweeps: sweeps(this.options.keepAliveTimeoutMs ?? 5000), headSweeps: sweeps(this.options.headTimeoutMs ?? 30_000) };
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      const connection = new ClientConnection(socket, this.options, deadlines, forget);
      this.connections.add(connection);
      if (this.draining) connection.drain();
    });
    this.server = server;
    this.sweeper = setInterval(() => { for (const c of this.connections) c.sweep(); }, SWEEP_MS).unref();
    return listenOn(server, this.options.port, this.options.host);
  }

  /** New requests start `fn`, with its timeout (a reload changed the gateway's function or its limits). */
  retarget(fn: string, timeoutMs: number): void {
    this.options.function = fn;
    this.options.timeoutMs = timeoutMs;
  }

  /** Stops listening (the port is free at once) and lets the requests under
   * way finish: each response says `Connection: close` and its connection
   * ends after it; idle keep-alive connections end now. Resolves once every
   * connection has ended. */
  drain(): Promise<void> {
    this.draining = true;
    const closed = this.stopListening();
    for (const c of this.connections) c.drain();
    return closed;
  }

  /** Stops listening and cuts every connection, answered or not. */
  async close(): Promise<void> {
    if (!this.server) return;
    clearInterval(this.sweeper);
    const closed = this.stopListening();
    for (const c of this.connections) c.destroy();
    await closed;
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    this.closed ??= new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    return this.closed;
  }
}
