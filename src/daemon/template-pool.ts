// isolation: process with a template runner (docs/supervisor.md §6): one
// exec'd, sandboxed template per function forks each fresh runner, which is
// several times cheaper than exec'ing it. Two pools: the template (one, with
// the pool's restart back-off) and its children (`size` kept ready, each a
// TemplateChild whose pid and end the template reports through the master).
// It owns the whole round trip: the master claims a child for a spawn, this
// retires it and asks the template for the next one.
import type { ChildExit, Forked, Master, RunnerInfo } from '../master/master.js';
import type { Logger } from '../log.js';
import { RunnerPool, TemplateChild, type RunnerProcess } from '../supervisor/index.js';

export interface TemplatePoolOptions {
  readonly name: string;
  /** fresh runners kept ready */
  readonly size: number;
  readonly master: Master;
  /** Starts the template process (serve --template). */
  readonly startTemplate: () => RunnerProcess;
  /** the pools' log, and the template's failures to fork */
  readonly log: Logger;
}

export class TemplatePool {
  /** The template's children: fresh runners, one instance each. */
  readonly children: RunnerPool<TemplateChild>;
  /** The template process (one); its exit's rusage includes the children it reaped. */
  readonly template: RunnerPool<RunnerProcess>;
  private readonly name: string;
  private readonly master: Master;
  private readonly log: Logger;
  /** the template process that said TEMPLATE_HELLO, while it lives */
  private connected: number | undefined;
  private nextRequest = 0;
  /** asked for, not yet forked */
  private readonly requested = new Map<number, TemplateChild>();
  /** forked, not yet reaped */
  private readonly forked = new Map<number, TemplateChild>();
  /** asked for while no template was connected */
  private queued: TemplateChild[] = [];
  private readonly listening = {
    template: (t: RunnerInfo) => this.templateConnected(t),
    runner: (r: RunnerInfo) => { if (r.function === this.name) this.children.markReady(r.pid); },
    claimed: (c: RunnerInfo) => this.claimed(c),
    forked: (f: Forked) => this.childForked(f),
    childExit: (e: ChildExit) => this.childExited(e),
  };

  constructor(options: TemplatePoolOptions) {
    this.name = options.name;
    this.master = options.master;
    this.log = options.log;
    this.template = new RunnerPool({ name: `${options.name} (template)`, size: 1, start: options.startTemplate, log: options.log });
    this.template.on('exit', (process) => this.templateEnded(process));
    this.children = new RunnerPool<TemplateChild>({
      name: options.name, size: options.size, log: options.log,
      start: () => this.fork(),
      // A fresh runner that served its instance and left is the plan.
      expectedExit: (exit) => exit.code === 0,
    });
    this.subscribe(true);
  }

  start(): void {
    this.template.start();
    this.children.start();
  }

  /** Kills the template first: its children die with it, and that ends every TemplateChild. */
  async stop(): Promise<void> {
    this.subscribe(false);
    const children = this.children.stop();
    await this.template.stop();
    this.loseAll();
    await children;
  }

  private subscribe(on: boolean): void {
    const master = this.master;
    const { template, runner, claimed, forked, childExit } = this.listening;
    if (on) master.on('template', template).on('runner', runner).on('claimed', claimed).on('forked', forked).on('childExit', childExit);
    else master.off('template', template).off('runner', runner).off('claimed', claimed).off('forked', forked).off('childExit', childExit);
  }

  /** A child was given its one instance: its replacement is forked at once,
   * not when it exits; on the next turn of the event loop, once the SPAWN
   * has been written. */
  private claimed(c: RunnerInfo): void {
    if (c.function === this.name) setTimeout(() => this.children.retire(c.pid), 0);
  }

  private fork(): TemplateChild {
    const child = new TemplateChild(`runner ${this.name}`, this.log);
    this.request(child);
    return child;
  }

  private request(child: TemplateChild): void {
    const id = this.nextRequest = (this.nextRequest + 1) >>> 0;
    // Its own template: while a reload swaps the function, the next generation's is connected too.
    if (this.connected === undefined || !this.master.fork(this.name, id, this.connected)) return void this.queued.push(child);
    this.requested.set(id, child);
  }

  private isCurrent(fn: string, template: number): boolean {
    return fn === this.name && template === this.template.runners[0]?.pid;
  }

  private templateConnected(t: RunnerInfo): void {
    if (!this.isCurrent(t.function, t.pid)) return;
    this.connected = t.pid;
    this.template.markReady(t.pid);
    const queued = this.queued;
    this.queued = [];
    for (const child of queued) if (child.alive) this.request(child);
  }

  private childForked(f: Forked): void {
    if (!this.isCurrent(f.function, f.template)) return;
    const child = this.requested.get(f.request);
    if (!child) return;
    this.requested.delete(f.request);
    if (f.pid === 0) {
      this.log.error(`template ${f.template} (${this.name}) could not fork a runner: errno ${f.errno}`);
      return child.lost();
    }
    this.forked.set(f.pid, child);
    child.forked(f.pid);
  }

  private childExited(e: ChildExit): void {
    if (!this.isCurrent(e.function, e.template)) return;
    const child = this.forked.get(e.report.pid);
    if (!child) return;
    this.forked.delete(e.report.pid);
    const { pid, code, signal, coreDumped } = e.report;
    child.reaped({
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
    const lost = [...this.requested.values(), ...this.forked.values()];
    this.requested.clear();
    this.forked.clear();
    for (const child of lost) child.lost();
  }
}
