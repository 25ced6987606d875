// isolation: process with a template runner (docs/supervisor.md §6): one
// exec'd, sandboxed template per function forks each fresh runner, which is
// several times cheaper than exec'ing it. Two pools: the template (one, with
// the pool's restart back-off) and its children (`size` kept ready, each a
// ForkedRunner whose pid and end the template reports through the master).
import type { Forked, ChildExit, Master } from '../master/master.js';
import { ForkedRunner } from '../supervisor/forked-runner.js';
import { RunnerPool, type RunnerProcess, type SupervisorLog } from '../supervisor/index.js';

export interface ForkServerOptions {
  readonly name: string;
  /** fresh runners kept ready */
  readonly size: number;
  readonly master: Master;
  /** Starts the template process (serve --template). */
  readonly startTemplate: () => RunnerProcess;
  readonly log?: SupervisorLog;
}

export class ForkServer {
  /** The fresh runners: what the daemon retires once one is claimed. */
  readonly pool: RunnerPool<ForkedRunner>;
  private readonly template: RunnerPool<RunnerProcess>;
  private readonly name: string;
  private readonly master: Master;
  private readonly log: SupervisorLog | undefined;
  /** the template process that said TEMPLATE_HELLO, while it lives */
  private connected: number | undefined;
  private nextRequest = 0;
  /** asked for, not yet forked */
  private readonly requested = new Map<number, ForkedRunner>();
  /** forked, not yet reaped */
  private readonly children = new Map<number, ForkedRunner>();
  /** asked for while no template was connected */
  private queued: ForkedRunner[] = [];
  private readonly listeners: [string, Parameters<Master['on']>[1]][];

  constructor(options: ForkServerOptions) {
    this.name = options.name;
    this.master = options.master;
    this.log = options.log;
    this.template = new RunnerPool({ name: `${options.name} (template)`, size: 1, start: options.startTemplate, log: options.log });
    this.template.on('exit', (process) => this.templateEnded(process));
    this.pool = new RunnerPool<ForkedRunner>({
      name: options.name, size: options.size, log: options.log,
      start: () => this.fork(),
      // A fresh runner that served its instance and left is the plan.
      expectedExit: (exit) => exit.code === 0,
    });
    this.listeners = [
      ['template', (t: { function: string; pid: number }) => this.templateConnected(t)],
      ['forked', (f: Forked) => this.forked(f)],
      ['childExit', (e: ChildExit) => this.childExited(e)],
    ];
    for (const [event, listener] of this.listeners) this.master.on(event, listener);
  }

  start(): void {
    this.template.start();
    this.pool.start();
  }

  /** Kills the template first: its children die with it, and that ends every ForkedRunner. */
  async stop(): Promise<void> {
    for (const [event, listener] of this.listeners) this.master.off(event, listener);
    const children = this.pool.stop();
    await this.template.stop();
    this.loseAll();
    await children;
  }

  private fork(): ForkedRunner {
    const runner = new ForkedRunner(`runner ${this.name}`, this.log ?? { error: (l) => console.error(l) });
    this.request(runner);
    return runner;
  }

  private request(runner: ForkedRunner): void {
    const id = this.nextRequest = (this.nextRequest + 1) >>> 0;
    if (this.connected === undefined || !this.master.fork(this.name, id)) return void this.queued.push(runner);
    this.requested.set(id, runner);
  }

  private isCurrent(fn: string, template: number): boolean {
    return fn === this.name && template === this.template.runners[0]?.pid;
  }

  private templateConnected(t: { function: string; pid: number }): void {
    if (!this.isCurrent(t.function, t.pid)) return;
    this.connected = t.pid;
    this.template.markReady(t.pid);
    const queued = this.queued;
    this.queued = [];
    for (const runner of queued) if (runner.alive) this.request(runner);
  }

  private forked(f: Forked): void {
    if (!this.isCurrent(f.function, f.template)) return;
    const runner = this.requested.get(f.request);
    if (!runner) return;
    this.requested.delete(f.request);
    if (f.pid === 0) {
      this.log?.error(`template ${f.template} (${this.name}) could not fork a runner: errno ${f.errno}`);
      return runner.lost();
    }
    this.children.set(f.pid, runner);
    runner.forked(f.pid);
  }

  private childExited(e: ChildExit): void {
    if (!this.isCurrent(e.function, e.template)) return;
    const runner = this.children.get(e.report.pid);
    if (!runner) return;
    this.children.delete(e.report.pid);
    const { pid, code, signal, coreDumped } = e.report;
    runner.reaped({
      pid, code, signal, coreDumped,
      userCpuMicros: Number(e.report.userCpuMicros), systemCpuMicros: Number(e.report.systemCpuMicros), maxRssKiB: Number(e.report.maxRssKiB),
    });
  }

  /** The template is gone: PR_SET_PDEATHSIG has killed its children, whose
   * status nobody will report. The pools restart the template, with back-off,
   * and refill. */
  private templateEnded(template: RunnerProcess): void {
    if (this.connected === template.pid) this.connected = undefined;
    this.loseAll();
  }

  private loseAll(): void {
    const lost = [...this.requested.values(), ...this.children.values()];
    this.requested.clear();
    this.children.clear();
    for (const runner of lost) runner.lost();
  }
}
