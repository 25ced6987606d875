// Who holds a master socket, written beside it (`<socket>.json`, 0600):
// a daemon refused the socket names the one that holds it, with its project.
// The kernel, not this file, says who listens (SO_PEERCRED): the file is
// believed only when it is a regular file of that peer's user that names
// that peer's pid, so a stale or planted file names nobody.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, unlink, writeFile } from 'node:fs/promises';
import type { PeerCredentials } from '../native/index.js';

export interface SocketOwner {
  pid: number;
  /** The project file it serves; null for a master without a project (tests). */
  project: string | null;
  /** When it took the socket (ISO 8601). */
  started: string;
}

/** Larger than any owner record: a file beyond it is not one. */
const MAX_OWNER_BYTES = 8192;

export function ownerFilePath(socketPath: string): string {
  return `${socketPath}.json`;
}

/** Writes the record whole or not at all: to a new file of a random name
 * (O_EXCL, so no link planted there is followed), renamed over the last. */
export async function writeOwnerFile(socketPath: string, owner: SocketOwner): Promise<void> {
  const file = ownerFilePath(socketPath);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(owner)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

export async function removeOwnerFile(socketPath: string): Promise<void> {
  await unlink(ownerFilePath(socketPath)).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
}

function isOwner(value: unknown): value is SocketOwner {
  const o = value as Partial<SocketOwner> | null;
  return typeof o === 'object' && o !== null && Number.isSafeInteger(o.pid) &&
    (o.project === null || typeof o.project === 'string') && typeof o.started === 'string';
}

/** The record beside the socket, if it is the listening peer's own. Never
 * throws: no file, someone else's, or not a record all read as undefined.
 * O_NOFOLLOW and O_NONBLOCK: a link or a FIFO put there is not waited on. */
export async function readOwnerFile(socketPath: string, peer: PeerCredentials): Promise<SocketOwner | undefined> {
  const handle = await open(ownerFilePath(socketPath), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.uid !== peer.uid || stats.size > MAX_OWNER_BYTES) return undefined;
    const owner: unknown = JSON.parse(await handle.readFile('utf8'));
    return isOwner(owner) && owner.pid === peer.pid ? owner : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
