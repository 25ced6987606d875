// Finding a function's source files: the entry to compile and every input for cache keys.

import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CompileError } from '../../errors.js';

/** Directories never searched for sources: build output, dependencies, VCS. */
const SKIPPED_DIRS = new Set(['node_modules', 'target', '.embly', '.git', 'dist']);

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Every file under `dir` whose name ends with one of `suffixes`, sorted; skips build output. */
export async function findFiles(dir: string, suffixes: readonly string[], recursive = true): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && recursive && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) {
      found.push(...(await findFiles(path, suffixes, true)));
    } else if (entry.isFile() && suffixes.some((suffix) => entry.name.endsWith(suffix))) {
      found.push(path);
    }
  }
  return found.sort();
}

/** Sorted, without duplicates. */
export function uniqueSorted(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort();
}

/**
 * The one source file a directory holds for a language: `preferred` names first
 * (e.g. index.ts, or <dir>.ts), else the only file with the extension.
 */
export async function singleEntry(name: string, dir: string, ext: string, preferred: readonly string[] = []): Promise<string> {
  const candidates = await findFiles(dir, [ext], false);
  for (const file of [...preferred, `${basename(dir)}${ext}`]) {
    const path = join(dir, file);
    if (candidates.includes(path)) return path;
  }
  if (candidates.length === 1) return candidates[0]!;
  const found = candidates.length === 0 ? `no ${ext} file` : `${candidates.length} ${ext} files`;
  throw new CompileError(name, 'embly build', `${dir} holds ${found}: point "path" at the ${ext} file to build`);
}

/** The entry file for `sourcePath`, a file or a directory holding one. */
export async function entryFile(name: string, sourcePath: string, ext: string, preferred: readonly string[] = []): Promise<string> {
  if (await isDirectory(sourcePath)) return singleEntry(name, sourcePath, ext, preferred);
  if (!(await exists(sourcePath))) {
    throw new CompileError(name, 'embly build', `${sourcePath} does not exist`);
  }
  if (extname(sourcePath) !== ext) {
    throw new CompileError(name, 'embly build', `${sourcePath} is not a ${ext} file`);
  }
  return sourcePath;
}
