// Runs a tool with an argument array (never a shell) and collects its output.

import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** null when the tool was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Resolves with the exit status whatever it is; rejects only when the tool could not be
 * started (`err.code === 'ENOENT'` for a missing binary). */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** Runs a Node.js script (npm-installed tools) with this same Node. */
export function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [script, ...args], options);
}

/** Terminal colour codes: some tools (the npm wabt's wat2wasm) emit them even into pipes. */
const ANSI_COLOR = /\x1b\[[0-9;]*m/g;

/** stdout and stderr together, as a person would have seen them, without colour codes. */
export function outputOf(result: RunResult): string {
  const text = [result.stderr, result.stdout].filter((part) => part.trim() !== '').join('\n');
  return text.replace(ANSI_COLOR, '');
}

export function isMissingBinary(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
