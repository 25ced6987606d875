// `embly run`: build what changed, then serve: master, runners, gateways.
import { parseArgs } from 'node:util';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';
import { Daemon, DEFAULT_SOCKET, type ListeningGateway } from '../daemon/daemon.js';
import { loadProject } from '../project/index.js';

function describe(g: ListeningGateway, host: string): string {
  const where = host === '0.0.0.0' ? '127.0.0.1' : host;
  const hint = g.type === 'http' ? `curl http://${where}:${g.port}/` : `nc ${where} ${g.port}`;
  return `  ${g.type} ${g.name} -> ${g.function}: ${hint}`;
}

export async function runCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true,
    options: { socket: { type: 'string' }, host: { type: 'string' }, runners: { type: 'string' } },
  });
  const project = await loadProject(positionals[0] ?? process.cwd());
  const built = await buildProject(project, { progress: progressReporter(process.stderr, project.functions.map((f) => f.name)) });
  const host = values.host ?? '0.0.0.0';
  const daemon = new Daemon({
    project, built, host,
    socketPath: values.socket ?? DEFAULT_SOCKET,
    runnersPerFunction: values.runners ? Number(values.runners) : undefined,
  });
  const gateways = await daemon.start().catch(async (e: Error) => {
    await daemon.stop(); // no runner outlives a failed start
    throw e;
  });
  console.log(`embly: serving ${project.file} (master on ${daemon.master.socketPath})`);
  for (const g of gateways) console.log(describe(g, host));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error('embly: stopping');
  await daemon.stop();
  return 0;
}
