// `emblyctl logs [-f] [FUNCTION]`: the daemon's last log lines (its ring,
// docs/service.md), and with -f every line after them until it stops.
import type { Command } from 'commander';
import type { LogLine } from '../../control/methods.js';
import { positiveInteger } from '../flags.js';
import { withExitStatus } from '../program.js';
import { paint, print, withCommonOptions, withDaemon, type CommonFlags } from './common.js';
import { clock, type Style } from './format.js';

interface LogsFlags extends CommonFlags { follow?: boolean; lines?: number; }

export function addLogsCommand(program: Command): void {
  withCommonOptions(program.command('logs')
    .description("show the daemon's recent log lines (its own and its functions'), and with -f follow them")
    .argument('[function]', 'only the lines about this function (its instances, its runners)')
    .option('-f, --follow', 'keep printing lines as they come, until the daemon stops')
    .option('-n, --lines <n>', 'only the last n lines kept (default: all the daemon keeps)', positiveInteger))
    .action(withExitStatus(logs));
}

async function logs(fn: string | undefined, flags: LogsFlags): Promise<number> {
  const show = flags.json ? (event: unknown) => print(JSON.stringify(event)) : (event: unknown) => print(describe(event as LogLine | { dropped: number }));
  const params = { function: fn, follow: flags.follow === true, lines: flags.lines };
  // Following ends when the daemon closes the connection: it stopped.
  await withDaemon(flags, (client) => client.request('logs', { params, onEvent: show, untilClosed: params.follow }));
  return 0;
}

const LEVEL_STYLE: Record<LogLine['level'], Style | undefined> = { error: 'red', warn: 'yellow', info: undefined, debug: 'dim' };

/** As the daemon writes it, with the time first: "12:03:04.512 warn master: ...". */
export function describe(line: LogLine | { dropped: number }): string {
  if ('dropped' in line) return paint(`... ${line.dropped} lines dropped: emblyctl fell behind`, 'yellow');
  const where = line.component ? `${line.component}: ` : '';
  return `${paint(clock(line.time), 'dim')} ${paint(line.level, LEVEL_STYLE[line.level])} ${where}${line.message}`;
}
