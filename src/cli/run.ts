// `embly run`: build what changed, then serve: master, runners, gateways.
// Stopped by SIGINT or SIGTERM, it exits 128 + the signal's number, as a
// process ended by it would. What it serves and how to reach it is its output
// (stdout); everything that happens meanwhile is the log (stderr, one line per
// event, level first; the journal's priorities under systemd). Under a
// service manager it also says when it is ready and when it stops
// (src/service/notify.ts, docs/service.md).
import type { Command } from 'commander';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';
import { Daemon, DEFAULT_SOCKET, type ListeningGateway } from '../daemon/daemon.js';
import { createLogger, type LogLevel } from '../log.js';
import { loadProject } from '../project/index.js';
import { refuseIfHeld } from '../master/socket-file.js';
import { signalStatus } from '../supervisor/index.js';
import { DEFAULT_METRICS_ADDRESS, type MetricsAddress } from '../metrics/index.js';
import { ServiceNotifier } from '../service/notify.js';
import { buildingStatus, servingStatus } from '../service/serving-status.js';
import { logLevelOption, metricsAddress, path, positiveInteger, stateDirOption } from './flags.js';
import { withExitStatus } from './program.js';

interface RunFlags { socket: string; host: string; runners?: number; logLevel: LogLevel; metrics: MetricsAddress | null; stateDir?: string; }

export function addRunCommand(program: Command): void {
  program.command('run')
    .description("serve the project's gateways (master, runner pools, gateways) until SIGINT or SIGTERM")
    .argument('[project_dir]', 'the directory of embly-project.yml (default: the current one)')
    .option('--socket <path>', "the master's socket", path, DEFAULT_SOCKET)
    .option('--host <address>', 'where gateways listen', '0.0.0.0')
    .option('--runners <n>', 'runner processes per function (default: the cores)', positiveInteger)
    .addOption(logLevelOption())
    .addOption(stateDirOption())
    .option('--metrics <host:port>', 'where /metrics is served for Prometheus, or off (docs/metrics.md)', metricsAddress, DEFAULT_METRICS_ADDRESS)
    .action(withExitStatus(run));
}

function describe(g: ListeningGateway, host: string): string {
  const where = host === '0.0.0.0' ? '127.0.0.1' : host;
  const hint = g.type === 'http' ? `curl http://${where}:${g.port}/` : `nc ${where} ${g.port}`;
  return `  ${g.type} ${g.name} -> ${g.function}: ${hint}`;
}

/** STATUS= once serving: what and where. */
function statusLine(functions: number, daemon: Daemon, gateways: ListeningGateway[], flags: RunFlags): string {
  const metrics = daemon.metricsPort === undefined ? undefined : { host: flags.metrics!.host, port: daemon.metricsPort };
  return servingStatus({ functions, gateways, host: flags.host, metrics });
}

async function run(dir: string | undefined, flags: RunFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel });
  const notifier = ServiceNotifier.fromEnvironment({ log: log.child('notify') }); // before any child process inherits NOTIFY_SOCKET
  const project = await loadProject(dir ?? process.cwd());
  await refuseIfHeld(flags.socket); // one daemon per master socket: refused before a build, not after
  notifier.status(buildingStatus(project.functions.length));
  const built = await buildProject(project, { progress: progressReporter(process.stderr, project.functions.map((f) => f.name)), stateDir: flags.stateDir });
  const daemon = new Daemon({ project, built, host: flags.host, socketPath: flags.socket, runnersPerFunction: flags.runners, log, metrics: flags.metrics ?? undefined });
  const gateways = await daemon.start().catch(async (e: Error) => {
    await daemon.stop(); // no runner outlives a failed start
    throw e;
  });
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => { // listening before it says it serves
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`embly: serving ${project.file} (master on ${daemon.master.socketPath})`);
  for (const g of gateways) console.log(describe(g, flags.host));
  if (daemon.metricsPort !== undefined) console.log(`  metrics: curl http://${flags.metrics!.host}:${daemon.metricsPort}/metrics`);
  notifier.ready(statusLine(project.functions.length, daemon, gateways, flags)); // start() resolved: every gateway listens, every function has a runner
  const signal = await stopSignal;
  notifier.stopping();
  log.child('embly').info('stopping');
  await daemon.stop();
  notifier.close();
  return signalStatus(signal);
}
