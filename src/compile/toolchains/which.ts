// Finding executables on PATH without a shell.

import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every executable called `name` on PATH, in PATH order (an absolute `name` is checked as is). */
export function whichAll(name: string, path = process.env['PATH'] ?? ''): string[] {
  if (isAbsolute(name)) return isExecutable(name) ? [name] : [];
  const dirs = path.split(delimiter).filter((dir) => dir !== '');
  return [...new Set(dirs.map((dir) => join(dir, name)).filter(isExecutable))];
}

export function which(name: string): string | null {
  return whichAll(name)[0] ?? null;
}
