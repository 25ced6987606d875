// `embly run`: build what changed, then serve: master, runners, gateways.
// Stopped by SIGINT or SIGTERM, it exits 128 + the signal's number, as a
// process ended by it would; stopped by `emblyctl stop`, 0. It serves
// emblyctl on its control socket (src/control). What it serves and how to reach it is its output
// (stdout); everything that happens meanwhile is the log (stderr, one line per
// event, level first; the journal's priorities under systemd). Under a
// service manager it also says when it is ready and when it stops
// (src/service/notify.ts, docs/service.md).
import type { Command } from 'commander';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';
import { Daemon, DEFAULT_SOCKET, type ListeningGateway } from '../daemon/daemon.js';
import { ControlServer, controlSocketPath, LogRing } from '../control/index.js';
import { createLogger, stderrSink, teeSink, type Logger, type LogLevel } from '../log.js';
import { loadProject } from '../project/index.js';
import { refuseIfHeld } from '../master/socket-file.js';
import { signalStatus } from '../supervisor/index.js';
import { DEFAULT_METRICS_ADDRESS, type MetricsAddress } from '../metrics/index.js';
import { ServiceNotifier } from '../service/notify.js';
import { buildingStatus, servingStatus } from '../service/serving-status.js';
import { logLevelOption, metricsAddress, path, positiveInteger } from './flags.js';
import { withExitStatus } from './program.js';

/** metrics: undefined when --metrics is not given (the project file says, or the default). */
interface RunFlags { socket: string; host: string; runners?: number; logLevel: LogLevel; metrics?: MetricsAddress | null; control?: string; }

export function addRunCommand(program: Command): void {
  program.command('run')
    .description("serve the project's gateways (master, runner pools, gateways) until SIGINT or SIGTERM")
    .argument('[project_dir]', 'the directory of embly-project.yml (default: the current one)')
    .option('--socket <path>', "the master's socket", path, DEFAULT_SOCKET)
    .option('--host <address>', 'where gateways listen', '0.0.0.0')
    .option('--runners <n>', 'runner processes per function (default: the cores)', positiveInteger)
    .addOption(logLevelOption())
    .option('--metrics <host:port>', `where /metrics is served for Prometheus, or off (default: the project file's metrics:, else ${DEFAULT_METRICS_ADDRESS.host}:${DEFAULT_METRICS_ADDRESS.port}; docs/metrics.md)`, metricsAddress)
    .option('--control <path>', "the control socket emblyctl talks to (default: $EMBLY_CONTROL, else docs/service.md)", path)
    .action(withExitStatus(run));
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
function statusLine(functions: number, daemon: Daemon, gateways: ListeningGateway[], host: string, metrics: MetricsAddress | undefined): string {
  const served = metrics && daemon.metricsPort !== undefined ? { host: metrics.host, port: daemon.metricsPort } : undefined;
  return servingStatus({ functions, gateways, host, metrics: served });
}

async function run(dir: string | undefined, flags: RunFlags): Promise<number> {
  const logs = new LogRing(); // what `emblyctl logs` shows, beside stderr
  const log = createLogger({ level: flags.logLevel, sink: teeSink(stderrSink, logs.sink) });
  const notifier = ServiceNotifier.fromEnvironment({ log: log.child('notify') }); // before any child process inherits NOTIFY_SOCKET
  const project = await loadProject(dir ?? process.cwd());
  await refuseIfHeld(flags.socket); // one daemon per master socket: refused before a build, not after
  notifier.status(buildingStatus(project.functions.length));
  const built = await buildProject(project, { progress: progressReporter(process.stderr, project.functions.map((f) => f.name)) });
  const metrics = (flags.metrics === undefined ? project.metrics : flags.metrics) ?? undefined; // the flag wins
  const daemon = new Daemon({ project, built, host: flags.host, socketPath: flags.socket, runnersPerFunction: flags.runners, log, metrics });
  const stopped = stopRequests(); // listening before it says it serves
  const { gateways, control } = await startServing(daemon, { path: controlSocketPath({ flag: flags.control }), logs, log, stop: () => stopped.request('control') });
  console.log(`embly: serving ${project.file} (master on ${daemon.master.socketPath})`);
  for (const g of gateways) console.log(describe(g, flags.host));
  if (metrics && daemon.metricsPort !== undefined) console.log(`  metrics: curl http://${urlHost(metrics.host)}:${daemon.metricsPort}/metrics`);
  console.log(`  control: emblyctl status (socket ${control.path})`);
  notifier.ready(statusLine(project.functions.length, daemon, gateways, flags.host, metrics)); // every gateway listens, every function has a runner, emblyctl is served
  const why = await stopped.requested;
  notifier.stopping();
  log.child('embly').info('stopping');
  await daemon.stop();
  await control.close(); // last: `emblyctl stop` returns when it closes
  notifier.close();
  return why === 'control' ? 0 : signalStatus(why);
}

/** The daemon, then its control socket; no runner outlives a failed start. */
async function startServing(daemon: Daemon, control: { path: string; logs: LogRing; log: Logger; stop: () => void }) {
  try {
    const gateways = await daemon.start();
    const server = await ControlServer.listen({ ...control, daemon, log: control.log.child('control'), reload: reloadOf(daemon) });
    return { gateways, control: server };
  } catch (e) {
    await daemon.stop();
    throw e;
  }
}

/** SIGINT, SIGTERM, or `emblyctl stop`, whichever comes first. */
function stopRequests() {
  let request!: (why: NodeJS.Signals | 'control') => void;
  const requested = new Promise<NodeJS.Signals | 'control'>((resolve) => { request = resolve; });
  process.once('SIGINT', request);
  process.once('SIGTERM', request);
  return { requested, request };
}

/** The daemon's reload, where it has one (issue 11's reload is another
 * branch's): without it, `emblyctl reload` answers that this daemon cannot. */
function reloadOf(daemon: Daemon): (() => Promise<unknown>) | undefined {
  const reload = (daemon as { reload?: () => Promise<unknown> }).reload;
  return reload && (() => reload.call(daemon));
}
