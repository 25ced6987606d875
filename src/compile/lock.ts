// One build of a project at a time: `embly run` and `embly build` (or two
// test files) building the same project wait for each other instead of
// writing the same .embly files at once. The lock is a directory holding the
// owner's pid; a lock whose owner is gone is taken over.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const POLL_MS = 100;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryTake(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    if (owner && !alive(owner)) await rm(lock, { recursive: true, force: true });
    return false;
  }
  await writeFile(join(lock, 'pid'), String(process.pid));
  return true;
}

/** Runs fn holding the lock at `lock` (a path that may not exist yet). */
export async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  while (!(await tryTake(lock))) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
