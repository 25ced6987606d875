// The daemon behind `embly run`: the master on its socket, a pool of
// sandboxed runners per function, and the project's gateways. Policy lives
// here; the supervisor only starts, sandboxes and reaps processes.

import { availableParallelism } from 'node:os';
import type { BuiltFunction } from '../compile/project-build.js';
import { ExitReason } from '../master/frames.js';
import { Master } from '../master/master.js';
import { socketPeer } from '../master/peer.js';
import { HttpGateway } from '../gateways/http/index.js';
import { TcpGateway } from '../gateways/tcp.js';
import { formatAddress } from '../instance-address.js';
import type { Project } from '../project/index.js';
import { isSupervisedRunner, RunnerPool, RunnerProcess, runnerFunction, serveArguments } from '../supervisor/index.js';
import { TemplatePool } from './template-pool.js';
import { GatewayListenError, MetricsListenError, RunnersNotReadyError } from '../errors.js';
import { daemonMetrics, serveMetrics, type DaemonMetrics, type MetricsAddress, type MetricsServer } from '../metrics/index.js';
import { packageVersion } from '../version.js';
import { LogLimiter } from './log-limiter.js';
import { DaemonSpecials } from '../specials/index.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';

export const DEFAULT_SOCKET = '/tmp/embly.sock';

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
  /** Where outbound TLS reads SSL_CERT_FILE and NODE_EXTRA_CA_CERTS (default process.env; docs/special-functions.md). */
  env?: NodeJS.ProcessEnv;
}

export interface ListeningGateway { name: string; type: 'http' | 'tcp'; function: string; port: number; }

/** How an instance's end reads in the log: a failure of the function is a warning; a kill (its client went, its runner died, the daemon stops) is not its failure. */
const ENDS: Record<ExitReason, { name: string; level: LogLevel }> = {
  0: { name: 'ok', level: 'info' }, 1: { name: 'error', level: 'warn' }, 2: { name: 'trap', level: 'warn' },
  3: { name: 'timeout', level: 'warn' }, 4: { name: 'killed', level: 'info' },
};

export class Daemon {
  readonly master: Master;
  /** isolation: instance functions' runners */
  private readonly pools = new Map<string, RunnerPool>();
  /** each pool and template pool, to stop */
  private readonly supervisors: { stop(): Promise<void> }[] = [];
  private readonly gateways: (HttpGateway | TcpGateway)[] = [];
  private readonly log: Logger;
  private readonly functionLogs: LogLimiter;
  private metricsServer: MetricsServer | undefined;
  /** embly/http and any other function built into the daemon */
  private readonly specials: DaemonSpecials;
  /** The port /metrics is served on, once started (with `metrics`). */
  metricsPort: number | undefined;

  constructor(private readonly options: DaemonOptions) {
    this.log = options.log ?? createLogger();
    this.functionLogs = new LogLimiter(this.log);
    const pids = new Map<number, { function: string; template: boolean }>();
    this.specials = new DaemonSpecials(options.project.functions, { log: this.log.child('outbound'), env: options.env ?? process.env });
    this.master = new Master({
      specials: this.specials.registry,
      socketPath: options.socketPath ?? DEFAULT_SOCKET,
      functions: new Map(options.project.functions.map((f) => [f.name, { maxInstances: f.limits.maxInstances, isolation: f.isolation }])),
      // Only runners we started (the kernel says which pid is connected),
      // each only for its own function and as what it was started as. A
      // template's children are vouched for by their template (master).
      authorize: (socket, hello) => {
        const started = pids.get(hello.pid);
        return socketPeer(socket)?.pid === hello.pid && isSupervisedRunner(hello.pid) &&
          started?.function === hello.function && started.template === hello.template;
      },
      log: this.log.child('master'),
    });
    this.runnerPids = pids;
    // A runner that said HELLO has shown that its function starts: if it
    // dies, however soon, its pool replaces it at once, with no back-off.
    // (A template pool hears its own children's HELLOs.)
    this.master.on('runner', (r) => this.pools.get(r.function)?.markReady(r.pid));
    this.master.on('log', (l) =>
      this.functionLogs.write(l.function, 'info', `[${l.function} ${formatAddress(l.address)}${l.fd === 2 ? ' stderr' : ''}] ${l.line}`));
    // Every instance end is logged once; ok ends have a budget of their own
    // so that a busy function's successes never crowd out its failures.
    const okKeys = new Map(options.project.functions.map((f) => [f.name, `${f.name}:ok`]));
    this.master.on('exit', (e) => {
      const key = e.reason === ExitReason.Ok ? okKeys.get(e.function)! : e.function;
      const end = ENDS[e.reason];
      this.functionLogs.write(key, end.level, () => {
        const detail = e.reason === ExitReason.Error ? ` (code ${e.code})` : '';
        return `[${e.function} ${formatAddress(e.address)}] ended: ${end.name}${detail}`;
      });
    });
  }

  private readonly runnerPids: Map<number, { function: string; template: boolean }>;

  async start(): Promise<ListeningGateway[]> {
    // Observed from the first instance on: the registry listens to the master.
    const metrics = this.options.metrics && daemonMetrics(this.master, this.options.project.functions, packageVersion());
    if (metrics) this.specials.observe(metrics.outbound);
    await this.master.listen();
    const ready = this.startRunners();
    await ready;
    const gateways = await this.startGateways(metrics || undefined);
    if (metrics) await this.startMetrics(metrics.registry, this.options.metrics!);
    return gateways;
  }

  private async startMetrics(registry: Parameters<typeof serveMetrics>[0], address: MetricsAddress): Promise<void> {
    this.metricsServer = await serveMetrics(registry, address).catch((e: NodeJS.ErrnoException) => {
      throw new MetricsListenError(`metrics cannot listen on ${address.host}:${address.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`);
    });
    this.metricsPort = this.metricsServer.port;
  }

  private startRunners(): Promise<void> {
    const size = this.options.runnersPerFunction ?? availableParallelism();
    const waiting = new Set(this.options.built.map((b) => b.spec.name));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RunnersNotReadyError(`runners did not connect for: ${[...waiting].join(', ')}`)), this.options.startTimeoutMs ?? 10_000);
      const check = () => { if (waiting.size === 0) { clearTimeout(timer); resolve(); } };
      this.master.on('runner', (r) => { waiting.delete(r.function); check(); });
      check();
    });
    for (const built of this.options.built) {
      if (built.spec.isolation === 'process') this.startTemplatePool(built, size);
      else this.startPool(built, size);
    }
    return ready;
  }

  private startRunner(built: BuiltFunction, template: boolean): RunnerProcess {
    const name = built.spec.name;
    const args = serveArguments(this.master.socketPath, [runnerFunction(built)], { template });
    const runner = RunnerProcess.start({ args, label: `${template ? 'template' : 'runner'} ${name}`, stdout: 'null', stderr: 2, log: this.supervisorLog(name) });
    this.runnerPids.set(runner.pid, { function: name, template });
    void runner.exited.then(() => this.runnerPids.delete(runner.pid));
    return runner;
  }

  private startPool(built: BuiltFunction, size: number): void {
    const pool = new RunnerPool({ name: built.spec.name, size, log: this.supervisorLog(built.spec.name), start: () => this.startRunner(built, false) });
    this.pools.set(built.spec.name, pool);
    this.supervisors.push(pool);
    pool.start();
  }

  /** isolation: process: a template runner forks each fresh runner. */
  private startTemplatePool(built: BuiltFunction, size: number): void {
    const pool = new TemplatePool({
      name: built.spec.name, size, master: this.master, log: this.supervisorLog(built.spec.name), startTemplate: () => this.startRunner(built, true),
    });
    this.supervisors.push(pool);
    pool.start();
  }

  private supervisorLog(fn: string): Logger {
    return this.log.child(`supervisor/${fn}`);
  }

  private async startGateways(metrics?: DaemonMetrics): Promise<ListeningGateway[]> {
    const listening: ListeningGateway[] = [];
    for (const spec of this.options.project.gateways) {
      const fn = this.options.project.functions.find((f) => f.name === spec.function)!;
      const port = this.options.portOverrides?.get(spec.name) ?? spec.port;
      const common = { master: this.master, function: spec.function, port, host: this.options.host, log: this.log.child(`gateway/${spec.name}`) };
      const gateway = spec.type === 'http'
        ? new HttpGateway({ ...common, timeoutMs: fn.limits.timeoutMs, observer: metrics?.gateways.observer(spec.name) })
        : new TcpGateway(common);
      this.gateways.push(gateway);
      metrics?.gateways.watch({ name: spec.name, type: spec.type, get connectionCount() { return gateway.connectionCount; } });
      const bound = await gateway.listen().catch((e: NodeJS.ErrnoException) => {
        throw new GatewayListenError(`gateway "${spec.name}" cannot listen on ${this.options.host ?? '0.0.0.0'}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`);
      });
      listening.push({ name: spec.name, type: spec.type, function: spec.function, port: bound });
    }
    return listening;
  }

  async stop(): Promise<void> {
    await this.metricsServer?.close();
    await Promise.all(this.gateways.map((g) => g.close()));
    await Promise.all(this.supervisors.map((s) => s.stop()));
    await this.specials.close();
    await this.master.close();
  }
}
