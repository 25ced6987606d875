// What `embly` and `emblyctl` share: a commander program that reports every
// error the same way (usage errors exit 64 with one line; user errors print
// their message alone and exit with their catalogue status; anything else is
// a bug and prints its stack, as every error does with --debug).

import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, isUserError, UsageError } from '../errors.js';

export interface ProgramInfo { name: string; description: string; version: string; }

/** A program with --help on every command, --version and a global --debug. */
export function createProgram(info: ProgramInfo): Command {
  return new Command(info.name)
    .description(info.description)
    .version(info.version, '-V, --version', 'show the version')
    .option('--debug', 'print the stack of every error, not just of bugs')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .configureOutput({ outputError: () => {} }) // reported by runProgram, once
    .showSuggestionAfterError(true);
}

let actionStatus: number = EXIT.ok;

/** Commander ignores what an action returns: this keeps it as the exit status. */
export function withExitStatus<Args extends unknown[]>(run: (...args: Args) => Promise<number>): (...args: Args) => Promise<void> {
  return async (...args) => { actionStatus = await run(...args); };
}

/** Runs `argv` (without node and the script); resolves to the exit status. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  actionStatus = EXIT.ok;
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return actionStatus;
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0) return EXIT.ok; // help or version, shown
    const error = e instanceof CommanderError ? new UsageError(e.message.replace(/^error: /, '')) : e;
    report(program.name(), error, program.opts<{ debug?: boolean }>().debug === true);
    return exitCodeOf(error);
  }
}

function report(name: string, error: unknown, debug: boolean): void {
  if (isUserError(error) && !debug) console.error(`${name}: ${(error as Error).message}`);
  else console.error(error instanceof Error ? error.stack : `${name}: ${String(error)}`);
}
