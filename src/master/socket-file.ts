// The master's socket file is taken only from nobody: a master that answers
// on it keeps it (a second daemon there would take the first one's runners'
// connections and leave it without a socket), and only a stale file, left by
// a master that was killed, is replaced.
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { MasterSocketInUseError } from '../errors.js';
import { socketPeer } from './peer.js';

export { MasterSocketInUseError };

const ignoreMissing = (e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; };

/** Makes `path` free to listen on: nothing there, or a stale socket, removed. */
export async function clearStaleSocket(path: string): Promise<void> {
  const found = await lstat(path).catch(ignoreMissing);
  if (!found) return;
  if (!found.isSocket()) throw new MasterSocketInUseError(`${path} exists and is not a socket; not replacing it (choose another with --socket)`);
  const holder = await listenerOf(path);
  if (holder !== 'nobody') throw inUse(path, holder);
  await unlink(path).catch(ignoreMissing);
}

export function inUse(path: string, holder?: number | 'unknown'): MasterSocketInUseError {
  const who = typeof holder === 'number' ? `pid ${holder}` : 'another process';
  return new MasterSocketInUseError(`master socket ${path} is in use by ${who} (another embly run?); stop it, or choose another socket with --socket`);
}

/** Who listens on the socket at `path`: its pid (SO_PEERCRED of our end
 * names whoever called listen), 'unknown', or 'nobody' (connection refused:
 * the file is stale). */
export function listenerOf(path: string): Promise<number | 'unknown' | 'nobody'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      resolve(socketPeer(socket)?.pid ?? 'unknown');
      socket.destroy();
    });
    // Any other failure (EACCES, or EAGAIN from a master too busy to accept)
    // leaves the file alone.
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'nobody' : 'unknown'));
  });
}

/** The identity of the socket file a master listens on, to remove it at the
 * end only if it is still the one it made. */
export async function socketIdentity(path: string): Promise<string> {
  const stats = await lstat(path);
  return `${stats.dev}:${stats.ino}`;
}

export async function removeOwnSocket(path: string, identity: string | undefined): Promise<void> {
  const now = await lstat(path).catch(ignoreMissing);
  if (identity !== undefined && now && `${now.dev}:${now.ino}` === identity) await unlink(path).catch(ignoreMissing);
}
