// The TCP gateway: one instance per connection, bytes both ways until either
// side closes; the function's close or exit closes the connection.

import { createServer, type Server, type Socket } from 'node:net';
import { ExitReason } from '../master/frames.js';
import { listenOn } from './listen.js';
import type { Master } from '../master/master.js';

export interface TcpGatewayOptions {
  master: Master;
  function: string;
  port: number;
  host?: string;
  log?: (message: string) => void;
}

async function serveConnection(options: TcpGatewayOptions, socket: Socket): Promise<void> {
  const { master } = options;
  let ended = false;
  let address: bigint | undefined;
  /** the function's bytes written to the client, not yet reported consumed */
  let owed = 0;
  const consumed = () => {
    if (owed === 0 || address === undefined) return;
    master.consumed(endpoint, address, owed);
    owed = 0;
  };
  // Flow control both ways (docs/protocol.md, CREDIT): the client is read
  // only while the function has room, and the function's bytes count as
  // consumed once the client's socket has taken them.
  const endpoint = master.openEndpoint({
    data: (bytes) => {
      owed += bytes.length;
      if (socket.write(bytes)) consumed();
    },
    close: () => socket.end(),
    exit: () => { ended = true; socket.end(); },
    writable: () => socket.resume(),
  });
  socket.on('drain', consumed);
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!ended && address) master.kill(address, ExitReason.Killed);
    master.closeEndpoint(endpoint);
  });
  socket.pause(); // nothing is read until there is someone to give it to
  try {
    address = await master.spawn(options.function, endpoint);
  } catch (e) {
    options.log?.(`tcp ${options.port}: cannot start ${options.function}: ${(e as Error).message}`);
    socket.destroy();
    return;
  }
  const to = address;
  socket.on('data', (chunk: Buffer) => {
    if (!master.send(endpoint, to, chunk)) socket.pause();
  });
  socket.on('end', () => master.closeTowards(endpoint, to));
  socket.resume();
}

export class TcpGateway {
  private server?: Server;

  constructor(private readonly options: TcpGatewayOptions) {}

  async listen(): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (socket) => void serveConnection(this.options, socket));
    this.server = server;
    return listenOn(server, this.options.port, this.options.host);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
