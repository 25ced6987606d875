// The control socket the daemon listens on for emblyctl (docs/service.md):
// a Unix stream socket, mode 0600 from its creation, in a directory only its
// owner can write; each peer's uid checked with SO_PEERCRED (the daemon's own,
// or root). Requests are JSON lines (protocol.ts) handled by methods.ts.
import { lstat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { ControlAccessError, ControlRequestError, ControlSocketError, EmblyError, EXIT } from '../errors.js';
import type { Logger } from '../log.js';
import { socketPeer } from '../master/peer.js';
import { listenerOf, removeOwnSocket, socketIdentity } from '../master/socket-file.js';
import { handleRequest, type ControlContext, type Reply } from './methods.js';
import { prepareSocketDirectory } from './path.js';
import { encodeLine, idOf, LineSplitter, MAX_REQUEST_BYTES, parseRequest, type ControlErrorBody, type ControlResponse } from './protocol.js';

export type ControlServerOptions = Omit<ControlContext, 'controlSocket' | 'startedAt' | 'stop' | 'reload'> & {
  path: string;
  log: Logger;
  /** when the daemon started serving (default: now) */
  startedAt?: number;
  /** what `stop` runs (default: stop the daemon, then close this socket) */
  stop?: () => unknown;
  /** what `reload` runs (default: the daemon's reload) */
  reload?: () => Promise<unknown>;
};

export class ControlServer {
  private readonly sockets = new Set<Socket>();
  private identity: string | undefined;

  private constructor(private readonly server: Server, readonly path: string, private readonly log: Logger) {}

  /** Takes the socket (refusing one another daemon answers on) and serves it. */
  static async listen(options: ControlServerOptions): Promise<ControlServer> {
    const { path, log } = options;
    await prepareSocketDirectory(path);
    await clearStale(path);
    const server = createServer();
    const control = new ControlServer(server, path, log);
    const context: ControlContext = {
      ...options, controlSocket: path, startedAt: options.startedAt ?? Date.now(),
      stop: options.stop ?? (async () => { await options.daemon.stop(); await control.close(); }),
      reload: options.reload ?? (() => options.daemon.reload()),
    };
    server.on('connection', (socket) => control.accept(socket, context));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new ControlSocketError(`cannot listen on the control socket ${path}: ${e.code ?? e.message}`)));
      // The socket file is made by bind(), inside listen(): with this umask it
      // is 0600 from the start, never wider for a moment (a chmod after would be).
      const umask = process.umask(0o177);
      try {
        server.listen(path, () => resolve());
      } finally {
        process.umask(umask);
      }
    });
    control.identity = await socketIdentity(path);
    return control;
  }

  /** Connections open now (emblyctl's, and refused ones until they are closed). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Ends every connection (a follower of the logs, a waiting `stop`) and removes the socket file, if it is still ours. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await removeOwnSocket(this.path, this.identity);
  }

  private accept(socket: Socket, context: ControlContext): void {
    socket.on('error', () => {}); // a peer that went: its close follows
    this.sockets.add(socket);
    const closing: (() => void)[] = [];
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const stop of closing) stop();
    });
    const peer = socketPeer(socket);
    const uid = process.getuid!();
    if (!peer || (peer.uid !== uid && peer.uid !== 0)) {
      this.log.warn(`refused a connection from ${peer ? `uid ${peer.uid} (pid ${peer.pid})` : 'an unknown peer'}: only uid ${uid} and root may control this daemon`);
      return closeWith(socket, bodyOf(new ControlAccessError(`this daemon is controlled only by uid ${uid} and root`)));
    }
    const lines = new LineSplitter(MAX_REQUEST_BYTES);
    socket.on('data', (chunk: Buffer) => {
      let received: string[];
      try {
        received = lines.push(chunk);
      } catch (e) {
        // No honest client sends such a line; what follows it cannot be framed.
        return closeWith(socket, bodyOf(new ControlRequestError(`${(e as Error).message}: closing the connection`)));
      }
      for (const line of received) if (line.trim() !== '') this.request(line, socket, context, closing);
    });
  }

  private request(line: string, socket: Socket, context: ControlContext, closing: (() => void)[]): void {
    const id = idOf(line);
    const send = (response: ControlResponse, then?: () => void) => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(encodeLine(response), then && (() => then()));
    };
    const reply: Reply = {
      result: (result, then) => send({ id, result }, then),
      error: (error) => send({ id, error }),
      event: (event) => send({ id: id!, event }),
      get backlog() { return socket.writableLength; },
      onClose: (stop) => { closing.push(stop); },
    };
    let request;
    try {
      request = parseRequest(line);
    } catch (e) {
      reply.error(bodyOf(e as ControlRequestError));
      return;
    }
    handleRequest(request, reply, context).catch((e: unknown) => {
      if (e instanceof EmblyError) return reply.error(bodyOf(e));
      this.log.error(`${request.method} failed: ${e instanceof Error ? e.stack : String(e)}`); // a bug: its stack is here
      reply.error({ code: 'EMBLY_INTERNAL', message: e instanceof Error ? e.message : String(e), exitCode: EXIT.software });
    });
  }
}

function bodyOf(error: EmblyError): ControlErrorBody {
  return { code: error.code, message: error.message, exitCode: error.exitCode };
}

/** A peer that closes within this of our last word is let go; one that does not is cut off. */
const CLOSE_GRACE_MS = 2000;

/** The last answer, then the end of the connection. What the peer sends meanwhile
 * is read and dropped: closing with bytes unread would reset the connection,
 * and the peer could lose the answer. */
function closeWith(socket: Socket, error: ControlErrorBody): void {
  socket.end(encodeLine({ id: null, error }));
  socket.removeAllListeners('data');
  socket.resume();
  socket.setTimeout(CLOSE_GRACE_MS, () => socket.destroy());
}

/** Nothing at the path, or a stale socket (removed); a socket another daemon answers on, or a file that is not a socket, is refused. */
async function clearStale(path: string): Promise<void> {
  const found = await lstat(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
  if (!found) return;
  if (!found.isSocket()) throw new ControlSocketError(`${path} exists and is not a socket; not replacing it (choose another with --control)`);
  const holder = await listenerOf(path);
  if (holder !== 'nobody') {
    const who = holder === 'unknown' ? 'another process' : `pid ${holder.pid}`;
    throw new ControlSocketError(`control socket ${path} is in use by ${who} (another embly run?); stop it, or choose another with --control`);
  }
  await unlink(path).catch(() => {});
}
