// `emblyctl status`: the daemon, its functions and gateways, the host.
import type { Command } from 'commander';
import type { DaemonStatus } from '../../control/status.js';
import { withExitStatus } from '../program.js';
import { ANSWER_TIMEOUT_MS, paint, print, printJson, withCommonOptions, withDaemon, type CommonFlags } from './common.js';
import { bytes, count, duration, latency, localTime, table } from './format.js';

export function addStatusCommand(program: Command): void {
  withCommonOptions(program.command('status')
    .description('show the daemon (version, pid, uptime, sockets), each function and gateway, and the host'))
    .action(withExitStatus(status));
}

async function status(flags: CommonFlags): Promise<number> {
  const answer = await withDaemon(flags, (c) => c.request('status', { timeoutMs: ANSWER_TIMEOUT_MS })) as DaemonStatus;
  if (flags.json) printJson(answer);
  else print(describe(answer));
  return 0;
}

export function describe(s: DaemonStatus): string {
  const memoryUsed = s.host.memoryTotalBytes - s.host.memoryAvailableBytes;
  const head = [
    `${paint('embly', 'bold')} ${s.version}, pid ${s.pid}, ${paint(`up ${duration(s.uptimeSeconds)}`, 'green')} (since ${localTime(s.startedAt)})`,
    `  project  ${s.project}`,
    `  master   ${s.masterSocket}`,
    `  control  ${s.controlSocket}`,
    `  metrics  ${s.metrics ? `http://${s.metrics}/metrics` : 'off'}`,
    `  host     ${s.host.cpus} CPUs, ${Math.round(s.host.cpuPercent)}% busy; memory ${bytes(memoryUsed)} used of ${bytes(s.host.memoryTotalBytes)} (${bytes(s.host.memoryAvailableBytes)} available)`,
    `  daemon   ${bytes(s.process.residentBytes)} resident, ${s.process.cpuSeconds.toFixed(1)} s of CPU`,
  ];
  const functions = table([
    { title: 'FUNCTION' }, { title: 'ISOLATION' }, { title: 'RUNNERS', align: 'right' }, { title: 'RESTARTS', align: 'right' },
    { title: 'RUNNER RSS', align: 'right' }, { title: 'INSTANCES', align: 'right' },
    { title: 'SPAWNS', align: 'right' }, { title: 'SPAWN P50', align: 'right' }, { title: 'SPAWN P99', align: 'right' },
    { title: 'OK', align: 'right' }, { title: 'ERROR', align: 'right' }, { title: 'TRAP', align: 'right' },
    { title: 'TIMEOUT', align: 'right' }, { title: 'KILLED', align: 'right' },
  ], s.functions.map((f) => [
    f.name, f.isolation, f.runners === 0 ? { text: '0', style: 'red' } : String(f.runners), count(f.restarts, 'yellow'), bytes(f.runnerResidentBytes),
    f.instances >= f.maxInstances ? { text: `${f.instances}/${f.maxInstances}`, style: 'red' } : `${f.instances}/${f.maxInstances}`, String(f.spawns),
    latency(f.spawnSeconds.p50), latency(f.spawnSeconds.p99),
    String(f.exits.ok), count(f.exits.error, 'yellow'), count(f.exits.trap, 'yellow'), count(f.exits.timeout, 'yellow'), String(f.exits.killed),
  ]), paint);
  const gateways = s.gateways.length === 0 ? 'no gateways' : table([
    { title: 'GATEWAY' }, { title: 'TYPE' }, { title: 'FUNCTION' }, { title: 'ADDRESS' },
    { title: 'REQUESTS', align: 'right' }, { title: '5XX', align: 'right' }, { title: 'CONNECTIONS', align: 'right' },
  ], s.gateways.map((g) => [g.name, g.type, g.function, g.address, count(g.requests), count(g.errors5xx, 'red'), String(g.connections)]), paint);
  return [...head, '', functions, '', gateways].join('\n');
}
