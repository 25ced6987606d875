// The daemon behind `embly run`: the master on its socket, a pool of
// sandboxed runners per function (function-runners.ts: one per generation,
// a reload starts the next), and the project's gateways (gateway-set.ts).
// It reloads (reload.ts) and drains. Policy lives here; the supervisor only
// starts, sandboxes and reaps processes.

import { availableParallelism } from 'node:os';
import type { BuiltFunction } from '../compile/project-build.js';
import { ExitReason } from '../master/frames.js';
import { Master } from '../master/master.js';
import { socketPeer } from '../master/peer.js';
import { formatAddress } from '../instance-address.js';
import type { Project } from '../project/index.js';
import { isSupervisedRunner, RunnerProcess, runnerFunction, serveArguments } from '../supervisor/index.js';
import { MetricsListenError, ReloadFailedError } from '../errors.js';
import { FunctionRunners } from './function-runners.js';
import { GatewaySet, type ListeningGateway } from './gateway-set.js';
import { describeReload, functionLimits, type ReloadSummary } from './reload-plan.js';
import { reloadProject, timeoutIn, type ReloadTarget } from './reload.js';
import { daemonMetrics, serveMetrics, type DaemonMetrics, type MetricsAddress, type MetricsServer } from '../metrics/index.js';
import { packageVersion } from '../version.js';
import { LogLimiter } from './log-limiter.js';
import { DaemonSpecials } from '../specials/index.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';

export const DEFAULT_SOCKET = '/tmp/embly.sock';
export type { ListeningGateway } from './gateway-set.js';
export type { ReloadSummary } from './reload-plan.js';

export interface DaemonOptions {
  project: Project;
  built: BuiltFunction[];
  socketPath?: string;
  /** Where gateways listen (default all interfaces). */
  host?: string;
  /** Runners per function (default: the cores). */
  runnersPerFunction?: number;
  /** Gateway ports to use instead of the project's, by gateway name (tests use 0). */
  portOverrides?: Map<string, number>;
  /** The daemon's log; its parts log through children: `master`, `supervisor/<function>`, `gateway/<name>` (default: stderr). */
  log?: Logger;
  startTimeoutMs?: number;
  /** Where /metrics is served (docs/metrics.md); absent: not served. */
  metrics?: MetricsAddress;
  /** Where a reload's build goes instead of the project's .embly/ (`--state-dir`; the start's build was given it too). */
  stateDir?: string;
  /** Where outbound TLS reads SSL_CERT_FILE and NODE_EXTRA_CA_CERTS (default process.env; docs/special-functions.md). */
  env?: NodeJS.ProcessEnv;
}

/** How an instance's end reads in the log: a failure of the function is a warning; a kill (its client went, its runner died, the daemon stops) is not its failure. */
const ENDS: Record<ExitReason, { name: string; level: LogLevel }> = {
  0: { name: 'ok', level: 'info' }, 1: { name: 'error', level: 'warn' }, 2: { name: 'trap', level: 'warn' },
  3: { name: 'timeout', level: 'warn' }, 4: { name: 'killed', level: 'info' },
};

/** A runner process the daemon started: what its HELLO must say, and its generation. */
interface StartedRunner { function: string; template: boolean; generation: number; }

export class Daemon {
  readonly master: Master;
  /** the project being served (a reload replaces it) */
  private project: Project;
  /** each function's serving generation of runners */
  private readonly serving = new Map<string, FunctionRunners>();
  /** every generation with runners: serving, starting (in a reload) or retiring */
  private readonly generations = new Set<FunctionRunners>();
  private lastGeneration = 0;
  private readonly runnerPids = new Map<number, StartedRunner>();
  private readonly gateways: GatewaySet;
  private readonly log: Logger;
  /** the daemon's own lifecycle lines (reload, drain) */
  private readonly lifecycle: Logger;
  private readonly functionLogs: LogLimiter;
  /** The registry, whether or not /metrics is served: `emblyctl status` reads the same figures. */
  readonly metrics: DaemonMetrics;
  private metricsServer: MetricsServer | undefined;
  /** embly/http and any other function built into the daemon */
  private readonly specials: DaemonSpecials;
  /** The port /metrics is served on, once started (with `metrics`). */
  metricsPort: number | undefined;
  /** the reload running, if any: the next one waits for it */
  private reloads: Promise<unknown> = Promise.resolve();
  private draining: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private resolveFinished!: () => void;
  /** Resolves once the daemon has stopped, whoever stopped it: stop(), drain(), a control request. */
  readonly finished = new Promise<void>((resolve) => { this.resolveFinished = resolve; });

  constructor(private readonly options: DaemonOptions) {
    this.project = options.project;
    this.log = options.log ?? createLogger();
    this.lifecycle = this.log.child('embly');
    this.functionLogs = new LogLimiter(this.log);
    this.specials = new DaemonSpecials(options.project.functions, { log: this.log.child('outbound'), env: options.env ?? process.env });
    this.master = new Master({
      specials: this.specials.registry,
      socketPath: options.socketPath ?? DEFAULT_SOCKET,
      functions: new Map(options.project.functions.map((f) => [f.name, functionLimits(f)])),
      // Only runners we started (the kernel says which pid is connected),
      // each only for its own function and as what it was started as. A
      // template's children are vouched for by their template (master).
      authorize: (socket, hello) => {
        const started = this.runnerPids.get(hello.pid);
        return socketPeer(socket)?.pid === hello.pid && isSupervisedRunner(hello.pid) &&
          started?.function === hello.function && started.template === hello.template;
      },
      generationOf: (pid) => this.runnerPids.get(pid)?.generation ?? 0,
      log: this.log.child('master'),
      project: options.project.file,
    });
    // Its observers grow with the functions: each generation of runners, each template pool.
    this.master.setMaxListeners(0);
    this.master.on('log', (l) =>
      this.functionLogs.write(l.function, 'info', `[${l.function} ${formatAddress(l.address)}${l.fd === 2 ? ' stderr' : ''}] ${l.line}`));
    // Every instance end is logged once; ok ends have a budget of their own
    // so that a busy function's successes never crowd out its failures.
    const okKeys = new Map<string, string>();
    const okKey = (fn: string) => okKeys.get(fn) ?? okKeys.set(fn, `${fn}:ok`).get(fn)!;
    this.master.on('exit', (e) => {
      const key = e.reason === ExitReason.Ok ? okKey(e.function) : e.function;
      const end = ENDS[e.reason];
      this.functionLogs.write(key, end.level, () => {
        const detail = e.reason === ExitReason.Error ? ` (code ${e.code})` : '';
        return `[${e.function} ${formatAddress(e.address)}] ended: ${end.name}${detail}`;
      });
    });
    // Observed from the first instance on: the registry listens to the master,
    // served or not (`options.metrics`).
    this.metrics = daemonMetrics(this.master, options.project.functions, packageVersion());
    this.specials.observe(this.metrics.outbound);
    this.gateways = new GatewaySet({ master: this.master, host: options.host, portOverrides: options.portOverrides, log: this.log, metrics: this.metrics.gateways });
  }

  async start(): Promise<ListeningGateway[]> {
    this.metrics.builds.record(this.options.built);
    await this.master.listen();
    const first = this.options.built.map((b) => this.startGeneration(b, 0));
    for (const runners of first) this.serving.set(runners.name, runners);
    await FunctionRunners.whenAdmitted(first, 1, this.startTimeoutMs);
    for (const spec of this.project.gateways) this.gateways.add(await this.gateways.listen(spec, this.timeoutOf(spec.function)));
    // (`embly run --metrics off` gives '': commander stores a parser's null as '')
    if (this.options.metrics) await this.startMetrics(this.metrics.registry, this.options.metrics);
    return this.gateways.listening();
  }

  /** How many functions the project served now has. */
  get functionCount(): number {
    return this.project.functions.length;
  }

  /** The gateways listening now. */
  listening(): ListeningGateway[] {
    return this.gateways.listening();
  }

  // ---- what `emblyctl status` shows (src/control/status.ts)

  /** The project served now (a reload replaces it). */
  get servedProject(): Project {
    return this.project;
  }

  /** Where gateways listen. */
  get host(): string {
    return this.options.host ?? '0.0.0.0';
  }

  /** Where /metrics is served, once started; undefined when it is not. */
  get metricsAddress(): MetricsAddress | undefined {
    return this.metricsPort === undefined ? undefined : { host: this.options.metrics!.host, port: this.metricsPort };
  }

  private async startMetrics(registry: Parameters<typeof serveMetrics>[0], address: MetricsAddress): Promise<void> {
    this.metricsServer = await serveMetrics(registry, address).catch((e: NodeJS.ErrnoException) => {
      throw new MetricsListenError(`metrics cannot listen on ${address.host}:${address.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`);
    });
    this.metricsPort = this.metricsServer.port;
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 10_000;
  }

  private get runnersPerFunction(): number {
    return this.options.runnersPerFunction ?? availableParallelism();
  }

  private timeoutOf(fn: string): number {
    return timeoutIn(this.project, fn);
  }

  /** Starts a function's runners as `generation`; they take instances once it serves (serveGeneration). */
  private startGeneration(built: BuiltFunction, generation: number): FunctionRunners {
    const runners = new FunctionRunners({
      built, generation, size: this.runnersPerFunction, master: this.master,
      log: this.supervisorLog(built.spec.name), startRunner: (template) => this.startRunner(built, template, generation),
    });
    this.generations.add(runners);
    runners.watchedBy(this.metrics.runners);
    runners.start();
    return runners;
  }

  private startRunner(built: BuiltFunction, template: boolean, generation: number): RunnerProcess {
    const name = built.spec.name;
    const args = serveArguments(this.master.socketPath, [runnerFunction(built)], { template });
    const runner = RunnerProcess.start({ args, label: `${template ? 'template' : 'runner'} ${name}`, stdout: 'null', stderr: 2, log: this.supervisorLog(name) });
    this.runnerPids.set(runner.pid, { function: name, template, generation });
    void runner.exited.then(() => this.runnerPids.delete(runner.pid));
    return runner;
  }

  private async stopGeneration(runners: FunctionRunners): Promise<void> {
    this.generations.delete(runners);
    await runners.stop();
  }

  /** A generation that no longer serves: stopped once its instances have ended. */
  private retire(runners: FunctionRunners): void {
    void runners.idle().then(() => {
      if (!this.generations.has(runners)) return;
      this.supervisorLog(runners.name).info('the runners a reload replaced have finished their instances: stopping them');
      return this.stopGeneration(runners);
    });
  }

  private supervisorLog(fn: string): Logger {
    return this.log.child(`supervisor/${fn}`);
  }

  // ---- reload (docs/service.md, "Reload"; the steps: reload.ts)

  /** Re-reads the project file, rebuilds what changed and swaps it in with no
   * request dropped: resolves with what changed. Rejects with
   * ReloadFailedError, the previous version serving on, when the project
   * file, a build, the new runners or a gateway's port fails. One at a time:
   * a reload asked for during another runs after it. Each outcome is logged. */
  reload(): Promise<ReloadSummary> {
    const done = this.reloads.then(() => reloadProject(this.reloadTarget(), ++this.lastGeneration));
    this.reloads = done.catch(() => {});
    return done.then((summary) => {
      this.lifecycle.info(describeReload(summary));
      return summary;
    }, (e: unknown) => {
      const error = e instanceof ReloadFailedError ? e : new ReloadFailedError(`reload failed, the previous version goes on serving: ${(e as Error).message}`, e);
      this.lifecycle.error(error.message);
      throw error;
    });
  }

  private reloadTarget(): ReloadTarget {
    return {
      project: this.project, gateways: this.gateways, runnersPerFunction: this.runnersPerFunction, startTimeoutMs: this.startTimeoutMs, stateDir: this.options.stateDir,
      servedBuilds: () => new Map([...this.serving].map(([name, runners]) => [name, runners.built])),
      refuseIfStopping: () => {
        if (this.draining || this.stopping) throw new ReloadFailedError('reload refused: the daemon is stopping');
      },
      startGeneration: (built, generation) => this.startGeneration(built, generation),
      stopGeneration: (runners) => this.stopGeneration(runners),
      serve: (runners) => this.serveGeneration(runners),
      remove: (name) => this.removeFunction(name),
      built: (built) => this.metrics.builds.record(built),
      replaceProject: (project) => {
        this.project = project;
        this.metrics.setFunctions(project.functions);
        this.specials.setFunctions(project.functions);
      },
    };
  }

  /** New instances of its function start on these runners; the previous ones retire. */
  private serveGeneration(runners: FunctionRunners): void {
    this.master.serveFunction(runners.name, functionLimits(runners.built.spec), runners.generation);
    const previous = this.serving.get(runners.name);
    this.serving.set(runners.name, runners);
    if (previous) this.retire(previous);
  }

  private removeFunction(name: string): void {
    this.master.removeFunction(name);
    const previous = this.serving.get(name);
    this.serving.delete(name);
    if (previous) this.retire(previous);
  }

  // ---- drain and stop (docs/service.md, "Drain")

  /** Stops gracefully: gateways stop listening, the requests under way are
   * answered (each with `Connection: close`) and idle keep-alive connections
   * end; once no instance runs, or `graceMs` has passed, or stop() is called
   * meanwhile, everything left is killed and the daemon stops. Resolves once
   * stopped; a later call resolves with the first. */
  drain(graceMs: number): Promise<void> {
    this.draining ??= this.drainThenStop(graceMs);
    return this.draining;
  }

  private async drainThenStop(graceMs: number): Promise<void> {
    this.lifecycle.info(`draining: ${this.inFlight()}; the grace period ends in ${graceMs / 1000} s`);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => { timer = setTimeout(() => resolve('grace'), graceMs); });
    const drained = this.gateways.drain().then(() => this.instancesEnded()).then(() => 'drained' as const);
    const outcome = await Promise.race([drained, graceOver, this.finished.then(() => 'stopped' as const)]);
    clearTimeout(timer);
    if (this.stopping) return this.stopping; // stop() was called meanwhile, and said so
    if (outcome === 'grace') this.lifecycle.warn(`the grace period is over: killing ${this.inFlight()}`);
    else this.lifecycle.info('drained: every request under way was answered');
    this.stopping = this.stopNow();
    return this.stopping;
  }

  private inFlight(): string {
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    return `${count(this.master.liveInstances(), 'instance')} running, ${count(this.gateways.connectionCount, 'client connection')} open`;
  }

  private instancesEnded(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.master.liveInstances() > 0) return;
        this.master.off('exit', check);
        resolve();
      };
      this.master.on('exit', check);
      check();
    });
  }

  /** Stops at once: gateways cut their connections, runners are killed with
   * their instances (during a drain: what the drain has left). Resolves once
   * stopped; a later call resolves with the first. */
  stop(): Promise<void> {
    if (this.draining && !this.stopping) this.lifecycle.warn(`stopping at once: killing ${this.inFlight()}`);
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    await this.metricsServer?.close();
    await this.gateways.close();
    await Promise.all([...this.generations].map((g) => this.stopGeneration(g)));
    await this.specials.close();
    await this.master.close();
    this.resolveFinished();
  }
}

