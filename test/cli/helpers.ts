// `embly` as a user runs it: `node bin/embly.js ...` in a child process.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { packageRoot } from '../../src/paths.js';
import { runProcess, type RunResult } from '../helpers/objects.js';

export const emblyScript = join(packageRoot, 'bin', 'embly.js');

export function embly(...args: string[]): Promise<RunResult> {
  return runProcess(process.execPath, [emblyScript, ...args]);
}

/** `embly` ended with `status` and one line on stderr, no stack. */
export function assertOneLineError(t: ExecutionContext, result: RunResult, status: number, message: RegExp): void {
  t.is(result.code, status, result.stderr);
  t.regex(result.stderr.trimEnd(), message);
  t.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  t.notRegex(result.stderr, /^\s+at /m);
}

/** A project directory holding `files` (name → text). */
export async function projectDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Our environment, less what says that stderr is the journal (the tests read level words). */
function environment(more: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { JOURNAL_STREAM: _journal, ...env } = process.env;
  return { ...env, ...more };
}

/** Starts `command args` (with `env` added to the environment) and resolves once `ready` appears on its stdout, or rejects after `timeoutMs`. */
export function startProcess(command: string, args: string[], ready: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: environment(env) });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no "${ready}" within ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(ready)) { clearTimeout(timer); resolve(); }
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error(`exited before "${ready}": ${stderr}`)); });
  });
  /** what it has written to stderr so far (its log) */
  const log = () => stderr;
  return { child, started, exited, log };
}

/** Starts `embly ...` (with `env` added to the environment) and resolves once `ready` appears on its stdout, or rejects after `timeoutMs`. */
export function startEmbly(args: string[], ready: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}) {
  return startProcess(process.execPath, [emblyScript, ...args], ready, timeoutMs, env);
}
