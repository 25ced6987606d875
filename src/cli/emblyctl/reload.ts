// `emblyctl reload`: the daemon re-reads its project and rebuilds what
// changed; answers once the reload is done, and fails (its error, its exit
// status) when it did not take, the old version still serving.
import type { Command } from 'commander';
import { withExitStatus } from '../program.js';
import { print, printJson, withCommonOptions, withDaemon, type CommonFlags } from './common.js';

export function addReloadCommand(program: Command): void {
  withCommonOptions(program.command('reload')
    .description('re-read the project file, rebuild what changed and swap it in; exits non-zero with the error if it fails'))
    .action(withExitStatus(reload));
}

async function reload(flags: CommonFlags): Promise<number> {
  const result = await withDaemon(flags, (c) => c.request('reload'));
  if (flags.json) printJson(result);
  else print(describe(result));
  return 0;
}

/** "reloaded: " and what the daemon says changed: each list it answers that
 * is not empty, named by its keys ("functions changed: hello"), its items by name. */
export function describe(result: unknown): string {
  const lists = changes(result, '');
  return `reloaded: ${lists.length === 0 ? 'nothing changed' : lists.join('; ')}`;
}

function changes(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [] : [`${path}: ${value.map(nameOf).join(', ')}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => changes(v, path ? `${path} ${key}` : key));
}

const nameOf = (item: unknown) => (typeof item === 'object' && item !== null && 'name' in item ? String(item.name) : String(item));
