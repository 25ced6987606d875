// `embly run`: build what changed, then serve: master, runners, gateways.
// SIGTERM or SIGINT drains it (docs/service.md): it exits 0 after SIGTERM, a
// service manager's normal stop, and 130 after SIGINT, a terminal's ^C, as
// an interrupted command does. SIGHUP reloads the project. `emblyctl` reaches
// it on its control socket (src/control): its reload and stop are SIGHUP's and
// SIGTERM's, and `emblyctl stop` returns once the daemon has stopped. What it serves and
// how to reach it is its output (stdout); everything that happens meanwhile is
// the log (stderr, one line per event, level first; the journal's priorities
// under systemd). Under a service manager it also says when it is ready,
// reloading and stopping (src/service/notify.ts, docs/service.md).
import type { Command } from 'commander';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';
import { Daemon, DEFAULT_SOCKET, type ListeningGateway } from '../daemon/daemon.js';
import { ControlServer, controlSocketPath, LogRing } from '../control/index.js';
import { createLogger, stderrSink, teeSink, type Logger, type LogLevel } from '../log.js';
import { loadProject, type Project } from '../project/index.js';
import { refuseIfHeld } from '../master/socket-file.js';
import { signalStatus } from '../supervisor/index.js';
import { DEFAULT_METRICS_ADDRESS, type MetricsAddress } from '../metrics/index.js';
import { ServiceNotifier } from '../service/notify.js';
import { buildingStatus, servingStatus } from '../service/serving-status.js';
import { EXIT } from '../errors.js';
import { gracePeriod, logLevelOption, metricsAddress, path, positiveInteger, stateDirOption } from './flags.js';
import { withExitStatus } from './program.js';

/** metrics: undefined when --metrics is not given (the project file says, or the default). */
export interface RunFlags { socket: string; host: string; runners?: number; logLevel: LogLevel; metrics?: MetricsAddress | null; grace: number; stateDir?: string; control?: string; }

export function addRunCommand(program: Command): void {
  addServeOptions(program.command('run')
    .description("serve the project's gateways (master, runner pools, gateways) until SIGTERM or SIGINT; SIGHUP reloads"))
    .action(withExitStatus((dir: string | undefined, flags: RunFlags) => serve(dir, flags)));
}

/** The arguments and flags `embly run` and `embly dev` share. */
export function addServeOptions(command: Command): Command {
  return command
    .argument('[project_dir]', 'the directory of embly-project.yml (default: the current one)')
    .option('--socket <path>', "the master's socket", path, DEFAULT_SOCKET)
    .option('--host <address>', 'where gateways listen', '0.0.0.0')
    .option('--runners <n>', 'runner processes per function (default: the cores)', positiveInteger)
    .addOption(logLevelOption())
    .addOption(stateDirOption())
    .option('--metrics <host:port>', `where /metrics is served for Prometheus, or off (default: the project file's metrics:, else ${DEFAULT_METRICS_ADDRESS.host}:${DEFAULT_METRICS_ADDRESS.port}; docs/metrics.md)`, metricsAddress)
    .option('--grace <duration>', 'how long a stop lets requests under way finish before it kills them (seconds, or 500ms, 1m)', gracePeriod, 10_000)
    .option('--control <path>', "the control socket emblyctl talks to (default: $EMBLY_CONTROL, else docs/service.md)", path);
}

/** An IPv6 address goes in brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function describe(g: ListeningGateway, host: string): string {
  const where = host === '0.0.0.0' ? '127.0.0.1' : host;
  const hint = g.type === 'http' ? `curl http://${where}:${g.port}/` : `nc ${where} ${g.port}`;
  return `  ${g.type} ${g.name} -> ${g.function}: ${hint}`;
}

/** STATUS= once serving: what and where. */
function statusLine(daemon: Daemon, host: string, metrics: MetricsAddress | undefined): string {
  const served = metrics && daemon.metricsPort !== undefined ? { host: metrics.host, port: daemon.metricsPort } : undefined;
  return servingStatus({ functions: daemon.functionCount, gateways: daemon.listening(), host, metrics: served });
}

/** What runs alongside the daemon once it serves (`embly dev`'s watcher); its result is stopped once the daemon has. */
export type WhileServing = (daemon: Daemon, project: Project, log: Logger) => { stop(): void };

/** Builds and serves the project until a drain ends it; resolves to the exit status. */
export async function serve(dir: string | undefined, flags: RunFlags, whileServing?: WhileServing): Promise<number> {
  const logs = new LogRing(); // what `emblyctl logs` shows, beside stderr
  const log = createLogger({ level: flags.logLevel, sink: teeSink(stderrSink, logs.sink) });
  const notifier = ServiceNotifier.fromEnvironment({ log: log.child('notify') }); // before any child process inherits NOTIFY_SOCKET
  const project = await loadProject(dir ?? process.cwd());
  await refuseIfHeld(flags.socket); // one daemon per master socket: refused before a build, not after
  notifier.status(buildingStatus(project.functions.length));
  const built = await buildProject(project, { progress: progressReporter(process.stderr, project.functions.map((f) => f.name)), stateDir: flags.stateDir });
  // The flag wins; off is null (which commander hands on as '').
  const metrics = (flags.metrics === undefined ? project.metrics : flags.metrics) || undefined;
  const daemon = new Daemon({ project, built, host: flags.host, socketPath: flags.socket, runnersPerFunction: flags.runners, log, metrics, stateDir: flags.stateDir });
  const stop = stopper(daemon, flags.grace, log.child('embly'), notifier);
  const reload = reloader(daemon, notifier, () => statusLine(daemon, flags.host, metrics));
  const { gateways, control } = await startServing(daemon, { path: controlSocketPath({ flag: flags.control }), logs, log: log.child('control'), reload, stop: () => stop.request('control') });
  process.on('SIGTERM', stop.request); // listening before it says it serves
  process.on('SIGINT', stop.request);
  process.on('SIGHUP', () => void reload().catch(() => {})); // the daemon logs why
  console.log(`embly: serving ${project.file} (master on ${daemon.master.socketPath})`);
  for (const g of gateways) console.log(describe(g, flags.host));
  if (metrics && daemon.metricsPort !== undefined) console.log(`  metrics: curl http://${urlHost(metrics.host)}:${daemon.metricsPort}/metrics`);
  console.log(`  control: emblyctl status (socket ${control.path})`);
  notifier.ready(statusLine(daemon, flags.host, metrics)); // every gateway listens, every function has a runner, emblyctl is served
  const companion = whileServing?.(daemon, project, log);
  await daemon.finished; // a drain, or a stop asked for another way
  companion?.stop();
  await control.close(); // last: `emblyctl stop` returns when it closes
  notifier.close();
  return stop.status();
}

/** The daemon, then its control socket; no runner outlives a failed start. */
async function startServing(daemon: Daemon, control: { path: string; logs: LogRing; log: Logger; reload: () => Promise<unknown>; stop: () => void }) {
  try {
    const gateways = await daemon.start();
    return { gateways, control: await ControlServer.listen({ ...control, daemon }) };
  } catch (e) {
    await daemon.stop();
    throw e;
  }
}

/** SIGTERM, SIGINT and `emblyctl stop` drain the daemon within the grace
 * period; a second one, during the drain, kills what is left at once. The
 * status to exit with: 0, or 130 (128 + SIGINT) when a ^C stopped it. */
function stopper(daemon: Daemon, graceMs: number, log: Logger, notifier: ServiceNotifier) {
  let first: NodeJS.Signals | 'control' | undefined;
  const request = (why: NodeJS.Signals | 'control') => {
    if (first) return void daemon.stop(); // the daemon logs what it kills
    first = why;
    notifier.stopping();
    log.info('stopping');
    void daemon.drain(graceMs);
  };
  return { request, status: () => (first === 'SIGINT' ? signalStatus('SIGINT') : EXIT.ok) };
}

/** A reload (SIGHUP, `emblyctl reload`): the daemon logs what changed, or
 * why nothing did, and serves on either way; the service manager hears
 * READY=1 again after either. Rejects with the reload's error. */
function reloader(daemon: Daemon, notifier: ServiceNotifier, status: () => string): () => Promise<unknown> {
  return () => {
    notifier.reloading();
    return daemon.reload().finally(() => notifier.ready(status()));
  };
}
