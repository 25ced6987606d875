// The master's socket file is taken only from nobody: a master that answers
// on it keeps it (a second daemon there would take the first one's runners'
// connections and leave it without a socket), and only a stale file, left by
// a master that was killed, is replaced. The refusal names who holds it: its
// pid from the kernel, its project from the owner file beside the socket
// (owner-file.ts), else its command line.
import { lstat, readFile, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { MasterSocketInUseError } from '../errors.js';
import type { PeerCredentials } from '../native/index.js';
import { readOwnerFile, removeOwnerFile } from './owner-file.js';
import { socketPeer } from './peer.js';

export { MasterSocketInUseError };

const ignoreMissing = (e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; };

/** Makes `path` free to listen on: nothing there, or a stale socket, removed. */
export async function clearStaleSocket(path: string): Promise<void> {
  const found = await lstat(path).catch(ignoreMissing);
  if (!found) return;
  if (!found.isSocket()) throw new MasterSocketInUseError(`${path} exists and is not a socket; not replacing it (choose another with --socket)`);
  const holder = await listenerOf(path);
  if (holder !== 'nobody') throw await inUse(path, holder);
  await unlink(path).catch(ignoreMissing);
}

/** Throws MasterSocketInUseError if a live master holds `path`, and changes
 * nothing: `embly run` asks before it builds, so that a refusal comes at
 * once (listening asks again: another master may come in between). */
export async function refuseIfHeld(path: string): Promise<void> {
  const found = await lstat(path).catch(ignoreMissing);
  if (!found?.isSocket()) return; // nothing there, or not a socket: clearStaleSocket says so when it listens
  const holder = await listenerOf(path);
  if (holder !== 'nobody') throw await inUse(path, holder);
}

/** The refusal for a socket someone listens on (`holder`, or whoever
 * answers there now: after EADDRINUSE, a master that took it meanwhile). */
export async function inUse(path: string, holder?: PeerCredentials | 'unknown'): Promise<MasterSocketInUseError> {
  const found = holder ?? await listenerOf(path);
  const who = found === 'unknown' || found === 'nobody' ? 'another process (another embly run?)' : await describeHolder(path, found);
  return new MasterSocketInUseError(`master socket ${path} is in use by ${who}; stop it, or choose another socket with --socket`);
}

async function describeHolder(path: string, peer: PeerCredentials): Promise<string> {
  const owner = await readOwnerFile(path, peer);
  if (owner) return `embly run (pid ${peer.pid}, project ${owner.project ?? '(none)'}, started ${owner.started})`;
  const command = await commandLine(peer.pid);
  return command ? `pid ${peer.pid} (${command})` : `pid ${peer.pid}`;
}

const MAX_COMMAND_CHARS = 80;

/** What /proc says a process runs, shortened, or undefined if it cannot be read. */
async function commandLine(pid: number): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const command = raw.split('\0').filter(Boolean).join(' ');
  if (command === '') return undefined;
  return command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS - 1)}…` : command;
}

/** Who listens on the socket at `path`: its credentials (SO_PEERCRED of our
 * end names whoever called listen), 'unknown', or 'nobody' (connection
 * refused: the file is stale). */
function listenerOf(path: string): Promise<PeerCredentials | 'unknown' | 'nobody'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      resolve(socketPeer(socket) ?? 'unknown');
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

/** Removes the socket file and the owner file beside it, if the socket is
 * still the one this master made (called while it still listens, so that no
 * other master can have taken the path meanwhile). */
export async function removeOwnSocket(path: string, identity: string | undefined): Promise<void> {
  const now = await lstat(path).catch(ignoreMissing);
  if (identity === undefined || !now || `${now.dev}:${now.ino}` !== identity) return;
  await removeOwnerFile(path);
  await unlink(path).catch(ignoreMissing);
}
