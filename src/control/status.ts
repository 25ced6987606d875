// `status`: what the daemon serves and how it is doing. Per function and per
// gateway figures come from the metrics registry (figures.ts), the host's
// from systeminformation (host.ts), the daemon process's from the registry's
// default process metrics: each the number Prometheus would scrape.
import type { Daemon, ListeningGateway } from '../daemon/daemon.js';
import { packageVersion } from '../version.js';
import { matching, quantile, samples, total, type Sample } from './figures.js';
import { hostFigures, type HostFigures } from './host.js';

export const EXIT_REASONS = ['ok', 'error', 'trap', 'timeout', 'killed'] as const;

export interface FunctionStatus {
  name: string;
  isolation: string;
  runners: number;
  /** runners replaced after an end outside the plan (a crash, a kill) */
  restarts: number;
  /** its runner processes' resident memory, summed */
  runnerResidentBytes: number;
  /** its runner processes' CPU time, ended runners' included */
  runnerCpuSeconds: number;
  /** instances running now */
  instances: number;
  /** its max_instances */
  maxInstances: number;
  /** instances started since the daemon started */
  spawns: number;
  /** spawn latency quantiles in seconds, estimated from the histogram's buckets; null before any spawn */
  spawnSeconds: { p50: number | null; p99: number | null };
  exits: Record<(typeof EXIT_REASONS)[number], number>;
}

export interface GatewayStatus {
  name: string;
  type: 'http' | 'tcp';
  function: string;
  /** host:port it listens on */
  address: string;
  /** HTTP requests answered (null for TCP) */
  requests: number | null;
  /** of those, answered 5xx */
  errors5xx: number | null;
  /** client connections open now */
  connections: number;
}

export interface DaemonStatus {
  version: string;
  pid: number;
  /** ISO 8601 */
  startedAt: string;
  uptimeSeconds: number;
  project: string;
  masterSocket: string;
  controlSocket: string;
  /** host:port of /metrics, or null when it is not served */
  metrics: string | null;
  functions: FunctionStatus[];
  gateways: GatewayStatus[];
  host: HostFigures;
  process: { residentBytes: number; cpuSeconds: number };
}

export interface StatusSource { daemon: Daemon; controlSocket: string; startedAt: number; }

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function daemonStatus({ daemon, controlSocket, startedAt }: StatusSource): Promise<DaemonStatus> {
  const read = (metric: string) => samples(daemon.metrics.registry, metric);
  const [host, spawns, exits, instances, maxInstances, runners, restarts, runnerRss, runnerCpu, requests, connections, rss, cpu] = await Promise.all([
    hostFigures(), read('embly_spawn_duration_seconds'), read('embly_instance_exits_total'), read('embly_instances'), read('embly_instances_max'),
    read('embly_runners'), read('embly_runner_restarts_total'), read('embly_runner_resident_memory_bytes'), read('embly_runner_cpu_seconds_total'),
    read('embly_gateway_requests_total'), read('embly_gateway_connections'), read('process_resident_memory_bytes'), read('process_cpu_seconds_total'),
  ]);
  const metrics = daemon.metricsAddress;
  return {
    version: packageVersion(), pid: process.pid,
    startedAt: new Date(startedAt).toISOString(), uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    project: daemon.servedProject.file, masterSocket: daemon.master.socketPath, controlSocket,
    metrics: metrics ? hostPort(metrics.host, metrics.port) : null,
    functions: daemon.servedProject.functions.map((f) => {
      const fn = { function: f.name };
      const buckets = matching(spawns, fn, 'embly_spawn_duration_seconds_bucket');
      return {
        name: f.name, isolation: f.isolation,
        runners: total(matching(runners, fn)), restarts: total(matching(restarts, fn)),
        runnerResidentBytes: total(matching(runnerRss, fn)), runnerCpuSeconds: total(matching(runnerCpu, fn)),
        instances: total(matching(instances, fn)), maxInstances: total(matching(maxInstances, fn)),
        spawns: total(matching(spawns, fn, 'embly_spawn_duration_seconds_count')),
        spawnSeconds: { p50: quantile(0.5, buckets), p99: quantile(0.99, buckets) },
        exits: Object.fromEntries(EXIT_REASONS.map((reason) => [reason, total(matching(exits, { ...fn, reason }))])) as FunctionStatus['exits'],
      };
    }),
    gateways: daemon.listening().map((g) => gatewayStatus(g, daemon.host, requests, connections)),
    host,
    process: { residentBytes: total(rss), cpuSeconds: total(cpu) },
  };
}

function gatewayStatus(g: ListeningGateway, host: string, requests: Sample[], connections: Sample[]): GatewayStatus {
  const answered = matching(requests, { gateway: g.name });
  const http = g.type === 'http';
  return {
    name: g.name, type: g.type, function: g.function, address: hostPort(host, g.port),
    requests: http ? total(answered) : null,
    errors5xx: http ? total(answered.filter((s) => s.labels.code?.startsWith('5'))) : null,
    connections: total(matching(connections, { gateway: g.name })),
  };
}
