// A master with one serving runner per function, for gateway and master
// tests. Runners are plain child processes here; the daemon uses the
// supervisor.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExitReason } from '../../src/master/frames.js';
import { Master } from '../../src/master/master.js';
import { memoryLogger } from '../../src/log.js';
import { runnerBinary } from '../../src/paths.js';
import { openEndpoint } from './endpoints.js';
import type { TestFunction } from './objects.js';

export interface Harness {
  master: Master;
  runners: Map<string, ChildProcess>;
  socketPath: string;
  /** Starts (again) the runner of a function and waits for its HELLO. */
  startRunner(fn: TestFunction): Promise<void>;
  /** What the runners wrote to stderr so far (their log lines; also passed on to the test's stderr). */
  runnerLog(): string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
}

/** A serve-mode runner's command line for one function. */
export function serveArguments(socketPath: string, f: TestFunction): string[] {
  const args = ['serve', socketPath, '--fn', f.name, f.objectPath, f.sha256];
  if (f.timeoutMs !== undefined) args.push('--timeout-ms', String(f.timeoutMs));
  if (f.memoryPages !== undefined) args.push('--memory-pages', String(f.memoryPages));
  if (f.sandbox) args.push('--sandbox');
  if (f.singleInstance) args.push('--single-instance');
  return args;
}

export async function startHarness(functions: TestFunction[]): Promise<Harness> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-master-')), 'embly.sock');
  const master = new Master({
    socketPath,
    functions: new Map(functions.map((f) => [f.name, { maxInstances: f.maxInstances ?? 1000 }])),
    authorize: () => true,
    log: memoryLogger(),
  });
  await master.listen();
  const runners = new Map<string, ChildProcess>();
  const stderr: Buffer[] = [];
  const startRunner = async (f: TestFunction) => {
    const before = master.runnerCount(f.name);
    const hello = new Promise<void>((resolve) => {
      const onRunner = (r: { function: string }) => {
        if (r.function === f.name && master.runnerCount(f.name) > before) { master.off('runner', onRunner); resolve(); }
      };
      master.on('runner', onRunner);
    });
    const runner = spawn(runnerBinary, serveArguments(socketPath, f), { stdio: ['ignore', 'inherit', 'pipe'] });
    runner.stderr!.on('data', (chunk: Buffer) => { stderr.push(chunk); process.stderr.write(chunk); });
    runners.set(f.name, runner);
    await hello;
  };
  await Promise.all(functions.map(startRunner));
  const stop = async () => {
    await master.close();
    await Promise.all([...runners.values()].map(exited));
  };
  return { master, runners, socketPath, startRunner, runnerLog: () => Buffer.concat(stderr).toString(), stop };
}

export interface Conversation { data: Buffer; closed: boolean; exit: Promise<{ reason: ExitReason; code: number }>; }

/** Spawns fn with a fresh endpoint as parent, sends it input then EOF, and collects its answer. */
export async function converse(master: Master, fn: string, input: string): Promise<Conversation> {
  const chunks: Buffer[] = [];
  const conversation = { closed: false } as Conversation;
  conversation.exit = new Promise((resolve, reject) => {
    const endpoint = openEndpoint(master, {
      onData: (bytes) => { chunks.push(Buffer.from(bytes)); return true; },
      onClose: () => { conversation.closed = true; },
      onExit: (reason, code) => { conversation.data = Buffer.concat(chunks); resolve({ reason, code }); endpoint.close(); },
      onSpawnError: reject,
    });
    endpoint.spawn(fn);
    endpoint.write(Buffer.from(input));
    endpoint.end();
  });
  await conversation.exit;
  return conversation;
}
