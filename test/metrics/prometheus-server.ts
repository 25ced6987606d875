// A real Prometheus server for a test (Debian's prometheus package, which
// scripts/setup.sh --test installs): on a free loopback port, its storage in
// a temporary directory, stopped when the test ends. Missing, it fails the
// test: it never skips it.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';

export const PROMETHEUS = '/usr/bin/prometheus';

export interface Sample { metric: Record<string, string>; value: number; }

export interface PrometheusServer {
  url: string;
  /** GET of an API path (/api/v1/...): its `data`, or an error with Prometheus's own. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** An instant query at now: its samples (a scalar is one sample without labels). */
  query(expr: string): Promise<Sample[]>;
  /** What Prometheus wrote on stdout and stderr so far. */
  output(): string;
}

/** A port nobody listens on now (Prometheus cannot report an ephemeral one). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ApiAnswer<T> { status: 'success' | 'error'; data: T; error?: string; }
type QueryData = { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'scalar'; result: [number, string] };

/** Starts Prometheus with `config` (a prometheus.yml as an object) and waits until it is ready. */
export async function startPrometheus(t: ExecutionContext, config: object): Promise<PrometheusServer> {
  const dir = await tempDir(t, 'embly-prometheus-');
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));
  const port = await freePort();
  const child = spawn(PROMETHEUS, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let failure: string | undefined;
  child.on('error', (e: NodeJS.ErrnoException) => {
    failure = e.code === 'ENOENT' ? `${PROMETHEUS} is missing: install Debian's prometheus package (bash scripts/setup.sh --test)` : e.message;
  });
  child.on('exit', (code, signal) => { failure ??= `prometheus exited (${signal ?? code}):\n${output}`; });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (failure) throw new Error(failure);
    return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
  }, { timeoutMs: 30_000, intervalMs: 100, what: () => `prometheus to be ready on ${url}:\n${output}` });

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${answer.error}`);
    return answer.data;
  };
  return {
    url, api, output: () => output,
    async query(expr) {
      const data = await api<QueryData>('/api/v1/query', { query: expr });
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
