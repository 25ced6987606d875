// What the benchmark drivers share about their server processes
// (bench/http-server.ts, forked with an IPC channel): starting one and
// talking to it, and the CPU time it and its runner processes have used.

import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject } from '../src/compile/project-build.js';
import { loadProject } from '../src/project/index.js';
import { BENCH_PROJECT, type DriverMessage, type ServerMessage } from './http-common.js';
import { BenchError } from './cli.js';
import { childPids } from './proc.js';

// ---------------------------------------------------------------- servers

/** A server process (bench/http-server.ts) and its IPC channel. */
export class ServerProcess {
  private readonly waiting: ((m: ServerMessage) => boolean)[] = [];
  private exitedEarly: string | null = null;
  ports: Record<string, number> = {};
  /** where the daemon serves /metrics (embly --metrics) */
  metricsPort: number | undefined;
  pid = 0;

  private constructor(readonly name: string, readonly child: ChildProcess, readonly logFile: string) {
    child.on('message', (m: ServerMessage) => {
      const at = this.waiting.findIndex((w) => w(m));
      if (at >= 0) this.waiting.splice(at, 1);
    });
    child.on('exit', (code, signal) => {
      this.exitedEarly = `${name} server exited (${signal ?? `status ${code}`}); its log: ${logFile}`;
    });
  }

  static async start(name: string, args: string[], work: string, nodeFlags: string[]): Promise<ServerProcess> {
    const logFile = join(work, `${name}.log`);
    const log = openSync(logFile, 'a');
    const script = fileURLToPath(new URL('./http-server.js', import.meta.url));
    // In the work directory: V8 writes its log files (with --perf-basic-prof) to the current one.
    const child = fork(script, args, { stdio: ['ignore', log, log, 'ipc'], execArgv: nodeFlags, cwd: work });
    closeSync(log);
    const server = new ServerProcess(name, child, logFile);
    const ready = await server.expect('ready', 120_000);
    if (ready.type !== 'ready') throw new BenchError('unreachable', 1);
    server.ports = ready.ports;
    server.metricsPort = ready.metricsPort;
    server.pid = ready.pid;
    return server;
  }

  /** The next message of `type` (an 'error' message or an exit fails it). */
  expect<T extends ServerMessage['type']>(type: T, timeoutMs = 10_000): Promise<Extract<ServerMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new BenchError(why, 1));
      };
      const timer = setTimeout(() => fail(`${this.name} server: no '${type}' within ${timeoutMs} ms; its log: ${this.logFile}`), timeoutMs);
      const poll = setInterval(() => { if (this.exitedEarly) fail(this.exitedEarly); }, 100);
      this.waiting.push((m) => {
        if (m.type === 'error') {
          fail(`${this.name} server failed: ${m.message}`);
          return true;
        }
        if (m.type !== type) return false;
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m as Extract<ServerMessage, { type: T }>);
        return true;
      });
    });
  }

  tell(message: DriverMessage): void {
    this.child.send(message);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.tell({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

// -------------------------------------------------------------------- CPU

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime+stime of a process and of its reaped children, in ticks; 0 if it is gone. */
function processTicks(pid: number, withReapedChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // after "pid (comm) ": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
    return f[11]! + f[12]! + (withReapedChildren ? f[13]! + f[14]! : 0);
  } catch {
    return 0;
  }
}

/** CPU seconds a server has used so far: its own, and its runner processes' (live ones, and those it reaped). */
export function serverCpuSeconds(pid: number): { own: number; runners: number } {
  const own = processTicks(pid, false);
  let runners = processTicks(pid, true) - own;
  for (const child of childPids(pid)) runners += processTicks(child, false);
  return { own: own / CLOCK_TICKS, runners: runners / CLOCK_TICKS };
}


/** Builds bench/functions (what the servers serve), saying so on stderr. */
export async function buildBenchProject(): Promise<void> {
  process.stderr.write('building bench/functions ... ');
  await buildProject(await loadProject(BENCH_PROJECT));
  process.stderr.write('done\n');
}
