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
}

export class HttpGateway {
  private server?: Server;
  private readonly connections = new Set<ClientConnection>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly options: HttpGatewayOptions) {}

  /** Starts listening; resolves with the port (useful when asked for 0). */
  async listen(): Promise<number> {
    const forget = (c: ClientConnection) => this.connections.delete(c);
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.connections.add(new ClientConnection(socket, this.options, forget));
    });
    this.server = server;
    this.sweeper = setInterval(() => { for (const c of this.connections) c.sweep(); }, 1000).unref();
    return listenOn(server, this.options.port, this.options.host);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    await closed;
  }
}
