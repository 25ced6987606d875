// `embly`: the command line. Each command lives in its own file; errors that
// carry a code are the user's to fix and print as plain messages.

import { buildCommand } from './build.js';
import { execCommand } from './exec.js';
import { runCommand } from './run.js';
import { packageVersion } from './version.js';

const USAGE = `usage: embly <command> [options]

commands:
  build [PROJECT_DIR]                compile every function to wasm and AOT objects
  exec FUNCTION [--project DIR]      run one instance: stdin -> handle 1 -> stdout
  run [PROJECT_DIR] [--socket PATH]  serve the project's gateways (master, runners, gateways)
  help                               show this text
  version                            show the version`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  build: buildCommand,
  exec: execCommand,
  run: runCommand,
  help: async () => { console.log(USAGE); return 0; },
  version: async () => { console.log(packageVersion()); return 0; },
};

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...args] = argv;
  const command = COMMANDS[name === '--help' || name === '-h' ? 'help' : name === '--version' ? 'version' : name];
  if (!command) {
    console.error(`embly: unknown command "${name}"\n\n${USAGE}`);
    return 64;
  }
  try {
    return await command(args);
  } catch (e) {
    const error = e as Error & { code?: string };
    console.error(error.code ? `embly: ${error.message}` : error.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
