// `emblyctl reload`: the daemon re-reads its project and rebuilds what
// changed; answers once the reload is done, and fails (its error, its exit
// status) when it did not take, the old version still serving.
import type { Command } from 'commander';
import { DaemonAnsweredError } from '../../errors.js';
import { withExitStatus } from '../program.js';
import { print, printJson, withCommonOptions, withDaemon, type CommonFlags } from './common.js';

export function addReloadCommand(program: Command): void {
  withCommonOptions(program.command('reload')
    .description('re-read the project file, rebuild what changed and swap it in; exits non-zero with the error if it fails'))
    .action(withExitStatus(reload));
}

async function reload(flags: CommonFlags): Promise<number> {
  const result = await withDaemon(flags, (c) => c.request('reload')).catch((e: unknown) => {
    if (e instanceof DaemonAnsweredError) throw new DaemonAnsweredError(e.remoteCode, `reload failed: ${e.message}`);
    throw e;
  });
  if (flags.json) printJson(result);
  else print(describe(result));
  return 0;
}

/** "reloaded" and what the daemon says changed: each list it answers, by name. */
export function describe(result: unknown): string {
  const lists = typeof result === 'object' && result !== null
    ? Object.entries(result).filter(([, v]) => Array.isArray(v) && v.length > 0).map(([k, v]) => `${k}: ${(v as unknown[]).map(String).join(', ')}`)
    : [];
  return lists.length === 0 ? 'reloaded: nothing changed' : `reloaded; ${lists.join('; ')}`;
}
