// The C compiler's identity ("cc (Debian 12.2.0-14) 12.2.0") is part of
// every object's cache key, and asking `cc --version` costs a process: on
// `embly exec` of a fresh build that was the biggest cost after Node itself.
// So the answer is kept beside the objects with what identifies the binary
// it came from (its path on PATH, and the size, mtime and inode of the file
// behind it): an upgraded or switched compiler changes those and is asked again.

import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { which } from './toolchains/which.js';
import { writeFileAtomically } from './write-atomically.js';

interface Kept { binary: string; file: string; identity: string; }

/** What tells this compiler binary from another: null when it is not on PATH (asking it fails then too). */
async function binaryStamp(command: string): Promise<{ binary: string; file: string } | null> {
  const binary = which(command);
  if (binary === null) return null;
  const s = await stat(binary).catch(() => null);
  return s && { binary, file: `${s.size} ${s.mtimeMs} ${s.ino} ${s.dev}` };
}

/** `ask()`'s answer for `command`, from `cacheDir`/cc-identity.json while the binary is the same one. */
export async function keptCompilerIdentity(cacheDir: string, command: string, ask: () => Promise<string>): Promise<string> {
  const stamp = await binaryStamp(command);
  const path = join(cacheDir, 'cc-identity.json');
  if (stamp) {
    const kept = await readFile(path, 'utf8').then((t) => JSON.parse(t) as Kept, () => null);
    if (kept?.binary === stamp.binary && kept.file === stamp.file && typeof kept.identity === 'string') return kept.identity;
  }
  const identity = await ask();
  if (stamp) {
    await mkdir(cacheDir, { recursive: true })
      .then(() => writeFileAtomically(path, JSON.stringify({ ...stamp, identity } satisfies Kept)))
      .catch(() => {}); // a cache it cannot write to only asks each time
  }
  return identity;
}
