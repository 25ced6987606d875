// What every emblyctl command shares: --json, --control PATH, and one
// connection to the daemon's control socket for the command's length.
import type { Command } from 'commander';
import { ControlClient } from '../../control/client.js';
import { controlSocketPath } from '../../control/path.js';
import { path } from '../flags.js';
import { painter, wantsColour, type Paint } from './format.js';

export interface CommonFlags { json?: boolean; control?: string; }

export function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print the answer as JSON (one object; logs: one per line)')
    .option('--control <path>', 'the daemon\'s control socket (default: $EMBLY_CONTROL, else docs/service.md)', path);
}

/** Runs `use` with a client connected to the daemon, closed after. */
export async function withDaemon<T>(flags: CommonFlags, use: (client: ControlClient) => Promise<T>): Promise<T> {
  const client = await ControlClient.connect(controlSocketPath({ flag: flags.control }));
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

export const paint: Paint = painter(wantsColour());

/** A status or ps answer is not worth waiting for past this. */
export const ANSWER_TIMEOUT_MS = 30_000;
