// A real daemon (test/daemon/helpers.ts) with its control socket, and
// emblyctl as a user runs it: `node bin/emblyctl.js ...` in a child process.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { ControlServer, LogRing } from '../../src/control/index.js';
import type { DaemonOptions } from '../../src/daemon/daemon.js';
import { createLogger, teeSink } from '../../src/log.js';
import { packageRoot } from '../../src/paths.js';
import { startDaemon, tempDir, type RunningDaemon } from '../daemon/helpers.js';

export const emblyctlScript = join(packageRoot, 'bin', 'emblyctl.js');

export interface ControlledDaemon extends RunningDaemon {
  control: ControlServer;
  /** the control socket */
  path: string;
  /** the daemon's log lines, as stderr would have them */
  lines: string[];
}


/** startDaemon, and its control socket in a directory of its own that the
 * server creates; both stopped when the test ends (the socket first). */
export async function startControlled(t: ExecutionContext, dir: string, daemonOptions: Partial<DaemonOptions> = {}): Promise<ControlledDaemon> {
  const ring = new LogRing();
  const lines: string[] = [];
  const log = createLogger({ sink: teeSink((line) => lines.push(line), ring.sink), level: 'debug', journal: false });
  const running = await startDaemon(t, dir, { log, ...daemonOptions });
  const path = join(await tempDir(t, 'embly-control-'), 'run', 'control.sock');
  const control = await ControlServer.listen({ path, daemon: running.daemon, logs: ring, log: log.child('control') });
  t.teardown(() => control.close());
  return { ...running, control, path, lines };
}

export interface CtlResult { code: number | null; stdout: string; stderr: string; }

export interface CtlOptions { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; }

/** The environment emblyctl gets: ours, less what would colour or redirect it. */
function environment(more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { EMBLY_CONTROL: _control, RUNTIME_DIRECTORY: _runtime, NO_COLOR: _colour, ...env } = process.env;
  return { ...env, ...more };
}

/** Starts `emblyctl ...`; `output()` is what it printed so far. */
export function startEmblyctl(args: string[], options: CtlOptions = {}) {
  const child = spawn(process.execPath, [emblyctlScript, ...args], { env: environment(options.env), uid: options.uid, gid: options.gid, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<CtlResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, output: () => stdout };
}

export function emblyctl(args: string[], options: CtlOptions = {}): Promise<CtlResult> {
  return startEmblyctl(args, options).done;
}

/** `emblyctl ... --json` that succeeded, parsed. */
export async function emblyctlJson<T>(t: ExecutionContext, args: string[]): Promise<T> {
  const result = await emblyctl([...args, '--json']);
  t.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** A POST whose chunked body goes on until end(), so that its instance is
 * still reading meanwhile; `status` resolves with what it answered. */
export function slowRequest(url: string): { end(): void; status: Promise<number> } {
  let req!: ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    req = request(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.write('partial');
  });
  return { end: () => req.end(), status };
}
