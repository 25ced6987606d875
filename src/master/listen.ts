// The master's socket: listen on its file (taken only from nobody,
// socket-file.ts) and say who holds it beside it (owner-file.ts), accept
// connections and feed each one's frames to the master, drop a connection
// that breaks the protocol, and end them all at close.
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { RunnerConnection } from './connection.js';
import type { Frame } from './frames.js';
import { writeOwnerFile } from './owner-file.js';
import { clearStaleSocket, inUse, removeOwnSocket, socketIdentity } from './socket-file.js';

export interface ConnectionEvents {
  /** a frame from the connection; throwing drops the connection (a protocol breach) */
  frame(connection: RunnerConnection, frame: Frame): void;
  closed(connection: RunnerConnection): void;
  drop(connection: RunnerConnection, why: string): void;
  /** something went wrong that does not stop the master */
  warn(message: string): void;
}

export interface SocketOwnerInfo {
  /** the project file served, for the owner file */
  project?: string;
}

export class MasterSocket {
  private server?: Server;
  /** the socket file this master made, to remove it only if it is still ours */
  private identity?: string;
  /** every open connection: runners, templates, and those yet to say HELLO */
  private readonly connections = new Set<RunnerConnection>();

  constructor(readonly path: string, private readonly events: ConnectionEvents, private readonly owner: SocketOwnerInfo = {}) {}

  /** Listens, unless a live master holds the path (MasterSocketInUseError);
   * a stale socket file is replaced. */
  async listen(): Promise<void> {
    const path = this.path;
    await clearStaleSocket(path);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      // EADDRINUSE: another master took the path since it was cleared.
      server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? inUse(path).then(reject) : reject(e)));
      server.listen(path, () => resolve());
    });
    this.server = server;
    await chmod(path, 0o600);
    this.identity = await socketIdentity(path);
    // Only for a refused daemon's message: without it the master serves on.
    await writeOwnerFile(path, { pid: process.pid, project: this.owner.project ?? null, started: new Date().toISOString() })
      .catch((e: Error) => this.events.warn(`cannot write the socket's owner file: ${e.message}`));
  }

  /** Removes the socket file (if it is still ours) while still listening, so
   * that no other master can take the path in between; then ends every connection. */
  async close(): Promise<void> {
    await removeOwnSocket(this.path, this.identity).catch((e: Error) => this.events.warn(`cannot remove the socket file: ${e.message}`));
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    const connection = new RunnerConnection(socket);
    this.connections.add(connection);
    let dropped = false;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of connection.decoder.push(chunk)) this.events.frame(connection, frame);
      } catch (e) {
        dropped = true;
        this.events.drop(connection, (e as Error).message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      // A runner that died is reported by its supervisor; a frame cut short says why it went here.
      const partial = connection.decoder.partialBytes;
      if (partial > 0 && !dropped) this.events.warn(`${connection.describe()} closed its connection in the middle of a frame (${partial} bytes of it)`);
      this.connections.delete(connection);
      this.events.closed(connection);
    });
  }
}
