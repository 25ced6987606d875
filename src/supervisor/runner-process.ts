// One runner process started through the addon: its pid, its pipes, how it
// ended. Starting it is synchronous (the clone + exec take a fraction of a millisecond);
// its end arrives later, reaped off the event loop by the addon's thread.
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { signalRunnerProcess, spawnRunnerProcess, type NativeExitReport, type RunnerHandle } from '../native/index.js';
import type { Logger } from '../log.js';
import { InternalError, RunnerOptionsError, RunnerStartError } from '../errors.js';
import { logUnexpectedExit, signalNumber, toRunnerExit, type RunnerExit } from './exit.js';
import { validateRunnerOptions, type RunnerProcessOptions } from './options.js';

const ESRCH = 3;

/** Runners started and not yet reaped, by pid: the master checks a HELLO's peer against these. */
const live = new Map<number, RunnerProcess>();

/** Whether pid is a runner this process started and that has not ended. */
export function isSupervisedRunner(pid: number): boolean {
  return live.has(pid);
}

function errnoName(errno: number): [string, string] {
  return getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
}

function pipeEnd(fd: number | null, direction: 'read' | 'write'): Socket | null {
  if (fd === null) return null;
  return new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
}

export class RunnerProcess extends EventEmitter<{ exit: [RunnerExit] }> {
  readonly pid: number;
  readonly label: string;
  /** Our end of the runner's stdin, stdout and stderr when they are 'pipe'. */
  readonly stdin: Socket | null;
  readonly stdout: Socket | null;
  readonly stderr: Socket | null;
  /** Resolves once it has ended and been reaped; never rejects. */
  readonly exited: Promise<RunnerExit>;
  readonly startedAt = performance.now();
  private readonly handle: RunnerHandle;
  private readonly log: Logger;
  private ended: RunnerExit | undefined;
  private killRequested = false;
  private resolveExit!: (exit: RunnerExit) => void;

  /** Starts a runner (see RunnerProcessOptions); throws RunnerOptionsError or RunnerStartError. */
  static start(options: RunnerProcessOptions): RunnerProcess {
    return new RunnerProcess(options);
  }

  private constructor(options: RunnerProcessOptions) {
    super();
    const { native, label, log } = validateRunnerOptions(options);
    this.label = label;
    this.log = log;
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
    const started = spawnRunnerProcess(native, (report) => this.onExit(report));
    if (!started.ok) {
      const [code, message] = errnoName(started.errno);
      throw new RunnerStartError(`cannot start ${label} (${native.file}): ${started.step}: ${message} (${code})`, started.step, code);
    }
    this.handle = started.handle;
    this.pid = started.pid;
    this.stdin = pipeEnd(started.stdio[0], 'write');
    this.stdout = pipeEnd(started.stdio[1], 'read');
    this.stderr = pipeEnd(started.stdio[2], 'read');
    // Writing to a runner that has died fails with EPIPE: its exit report says why.
    this.stdin?.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') this.log.error(`${this.describe()}: stdin: ${e.message}`);
    });
    live.set(this.pid, this);
  }

  /** Whether it has not yet been reaped. */
  get alive(): boolean {
    return this.ended === undefined;
  }

  /** How it ended, once it has. */
  get exit(): RunnerExit | undefined {
    return this.ended;
  }

  /** Signals its process group; false if it has already ended. */
  kill(signal: NodeJS.Signals | number = 'SIGKILL'): boolean {
    const number = signalNumber(signal);
    if (number === undefined || !Number.isInteger(number) || number < 0) throw new RunnerOptionsError(`unknown signal ${String(signal)}`);
    if (!this.alive) return false;
    if (number !== 0) this.killRequested = true;
    const errno = signalRunnerProcess(this.handle, number);
    if (errno === ESRCH) return false;
    if (errno !== 0) throw new InternalError(`cannot signal ${this.describe()}: ${errnoName(errno)[1]}`);
    return true;
  }

  describe(): string {
    return `runner ${this.pid} (${this.label})`;
  }

  private onExit(report: NativeExitReport): void {
    const exit = toRunnerExit(report, this.killRequested, performance.now() - this.startedAt);
    this.ended = exit;
    if (live.get(this.pid) === this) live.delete(this.pid); // the pid may already be reused
    logUnexpectedExit(this.log, this.describe(), exit);
    this.resolveExit(exit);
    this.emit('exit', exit);
  }
}
