// A file that is either its old self or wholly new, never half written: the
// bytes go to a temporary file beside it, which is then renamed over it.
// Builds running at once (two projects sharing an AOT cache) each write
// their own temporary file.

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

export async function writeFileAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}
