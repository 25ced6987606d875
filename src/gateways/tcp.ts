// The TCP gateway: one instance per connection, bytes both ways until either
// side closes; the function's close or exit closes the connection. Flow
// control is the endpoint's (master/endpoint.ts): the client is read only
// while the function has room, and the function's bytes count as taken once
// the client's socket has taken them.

import { createServer, type Server, type Socket } from 'node:net';
import { ExitReason } from '../master/frames.js';
import { listenOn } from './listen.js';
import type { Master } from '../master/master.js';
import type { Logger } from '../log.js';

export interface TcpGatewayOptions {
  master: Master;
  function: string;
  port: number;
  host?: string;
  log: Logger;
}

function serveConnection(options: TcpGatewayOptions, socket: Socket): void {
  const acceptedAt = performance.now();
  let ended = false;
  const endpoint = options.master.openEndpoint({
    onData: (bytes) => socket.write(bytes),
    onClose: () => socket.end(),
    onExit: () => { ended = true; socket.end(); },
    onDrain: () => socket.resume(),
    onSpawnError: (e) => {
      ended = true;
      options.log.warn(`tcp ${options.port}: cannot start ${options.function}: ${e.message}`);
      socket.destroy();
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!endpoint.write(chunk)) socket.pause();
  });
  socket.on('end', () => endpoint.end());
  socket.on('drain', () => endpoint.resume());
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!ended) endpoint.kill(ExitReason.Killed);
    endpoint.close();
  });
  endpoint.spawn(options.function, acceptedAt);
}

export class TcpGateway {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** the listener's end: resolves once it has stopped and every connection has ended */
  private closed?: Promise<void>;

  constructor(private readonly options: TcpGatewayOptions) {}

  /** Client connections open now. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  async listen(): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      serveConnection(this.options, socket);
    });
    this.server = server;
    return listenOn(server, this.options.port, this.options.host);
  }

  /** New connections start `fn` (a reload changed the gateway's function). */
  retarget(fn: string): void {
    this.options.function = fn;
  }

  /** Stops listening (the port is free at once); the connections open go on
   * until either side closes. Resolves once every one has ended. TCP has no
   * way to ask a client to leave: a drain's grace period ends those that stay. */
  drain(): Promise<void> {
    const server = this.server;
    this.closed ??= new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    return this.closed;
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    const closed = this.drain();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
