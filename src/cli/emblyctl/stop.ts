// `emblyctl stop`: the daemon stops as on SIGTERM; returns once it has
// (the daemon closes the control socket last).
import type { Command } from 'commander';
import { withExitStatus } from '../program.js';
import { print, printJson, withCommonOptions, withDaemon, type CommonFlags } from './common.js';

export function addStopCommand(program: Command): void {
  withCommonOptions(program.command('stop')
    .description('stop the daemon (as SIGTERM does) and wait until it has stopped'))
    .action(withExitStatus(stop));
}

async function stop(flags: CommonFlags): Promise<number> {
  await withDaemon(flags, async (client) => {
    await client.request('stop');
    await client.closed;
  });
  if (flags.json) printJson({ stopped: true });
  else print('embly stopped');
  return 0;
}
