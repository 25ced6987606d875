// A template's child: a runner forked by a template runner (isolation:
// process, docs/supervisor.md §6), as a pool sees it: the surface of a
// RunnerProcess, but its pid arrives with the template's FORKED frame and its
// end with CHILD_EXIT, since the template, not the addon, is its parent.
import { EventEmitter } from 'node:events';
import { RunnerOptionsError } from '../errors.js';
import { forkedExitReport, logUnexpectedExit, signalNumber, toRunnerExit, type ForkedExitReport, type RunnerExit } from './exit.js';
import type { Logger } from '../log.js';

export class TemplateChild extends EventEmitter<{ exit: [RunnerExit] }> {
  /** 0 until the template has forked it. */
  pid = 0;
  readonly exited: Promise<RunnerExit>;
  readonly startedAt = performance.now();
  private ended: RunnerExit | undefined;
  private killRequested: number | undefined;
  private resolveExit!: (exit: RunnerExit) => void;

  constructor(readonly label: string, private readonly log: Logger) {
    super();
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  get exit(): RunnerExit | undefined {
    return this.ended;
  }

  /** The template forked it: a kill asked for meanwhile is delivered now. */
  forked(pid: number): void {
    this.pid = pid;
    if (this.killRequested !== undefined) this.signal(this.killRequested);
  }

  /** Signals it (same uid as ours, so no addon needed; it can start no
   * process, so its pid is all there is to signal); false once it has ended. Between the template's reaping and its CHILD_EXIT the
   * pid could in principle be reused: templates report at once, so the
   * window is one message. */
  kill(signal: NodeJS.Signals | number = 'SIGKILL'): boolean {
    const number = signalNumber(signal);
    if (number === undefined || !Number.isInteger(number) || number < 0) throw new RunnerOptionsError(`unknown signal ${String(signal)}`);
    if (!this.alive) return false;
    if (number !== 0) this.killRequested = number;
    return this.pid === 0 || this.signal(number);
  }

  describe(): string {
    return `runner ${this.pid || '(not yet forked)'} (${this.label})`;
  }

  /** Its template reaped it. */
  reaped(report: ForkedExitReport): void {
    this.end(toRunnerExit(forkedExitReport(report), this.killRequested !== undefined, this.uptime()));
  }

  /** Its template died or could not fork it: PR_SET_PDEATHSIG has killed it
   * (if it ever ran), and nobody we can ask saw its status. */
  lost(): void {
    this.end({
      pid: this.pid, code: null, signal: null, sandboxViolation: false, coreDumped: false, reapedElsewhere: true,
      killed: this.killRequested !== undefined, userCpuMicros: 0, systemCpuMicros: 0, maxRssKiB: 0, uptimeMs: this.uptime(),
    });
  }

  private signal(number: number): boolean {
    try {
      process.kill(this.pid, number);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw e;
    }
  }

  private uptime(): number {
    return performance.now() - this.startedAt;
  }

  private end(exit: RunnerExit): void {
    if (!this.alive) return;
    this.ended = exit;
    logUnexpectedExit(this.log, this.describe(), exit);
    this.resolveExit(exit);
    this.emit('exit', exit);
  }
}
