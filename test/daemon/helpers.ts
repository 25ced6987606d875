// The real daemon (master, sandboxed runner pools, gateways) on a small
// project of wat functions written for the test, each behind an HTTP gateway
// of its own: quicker to build than the example project.
import type { ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import { Daemon, type DaemonOptions, type ListeningGateway } from '../../src/daemon/daemon.js';
import { memoryLogger } from '../../src/log.js';
import { loadProject } from '../../src/project/index.js';

export interface WatSpec { name: string; wat: string; timeout?: string; memory?: string; maxInstances?: number; isolation?: 'instance' | 'process'; }

/** A fresh temporary directory, removed when the test ends. */
export async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes into dir a project with one function (and a gateway named after it, port 8080 + i) per spec. */
export async function writeWatProject(dir: string, specs: WatSpec[]): Promise<void> {
  const optional = (key: string, value: string | number | undefined) => (value === undefined ? '' : `    ${key}: ${value}\n`);
  const functions = specs.map((s) => `  - name: ${s.name}\n    path: ./${s.name}.wat\n    language: wat\n` +
    optional('timeout', s.timeout) + optional('memory', s.memory) + optional('max_instances', s.maxInstances) + optional('isolation', s.isolation));
  const gateways = specs.map((s, i) => `  - name: ${s.name}\n    type: http\n    port: ${8080 + i}\n    function: ${s.name}\n`);
  await writeFile(join(dir, 'embly-project.yml'), `functions:\n${functions.join('')}\ngateways:\n${gateways.join('')}`);
  for (const s of specs) await writeFile(join(dir, `${s.name}.wat`), s.wat);
}

/** writeWatProject in a temporary directory removed when the test ends. */
export async function watProject(t: ExecutionContext, specs: WatSpec[]): Promise<string> {
  const dir = await tempDir(t, 'embly-daemon-');
  await writeWatProject(dir, specs);
  return dir;
}

export interface RunningDaemon { daemon: Daemon; gateways: Map<string, ListeningGateway>; url(gateway: string): string; }

/** Builds and serves the project in `dir`, gateways on ephemeral loopback
 * ports, one runner per function unless told otherwise; stopped when the test ends. */
export async function startDaemon(t: ExecutionContext, dir: string, options: Partial<DaemonOptions> = {}): Promise<RunningDaemon> {
  const project = await loadProject(dir);
  const daemon = new Daemon({
    project, built: await buildProject(project), host: '127.0.0.1', runnersPerFunction: 1,
    socketPath: join(await tempDir(t, 'embly-socket-'), 'embly.sock'),
    portOverrides: new Map(project.gateways.map((g) => [g.name, 0])),
    log: memoryLogger(),
    ...options,
  });
  t.teardown(() => daemon.stop());
  const gateways = new Map((await daemon.start()).map((g) => [g.name, g]));
  return { daemon, gateways, url: (gateway) => `http://127.0.0.1:${gateways.get(gateway)!.port}/` };
}

/** The pids of this process's serving runners of `fn`, from /proc. */
export function runnerPids(fn: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args[1] === 'serve' && args[args.indexOf('--fn') + 1] === fn && readFileSync(`/proc/${pid}/status`, 'utf8').includes(`PPid:\t${process.pid}\n`) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

export interface ProcessFigures { rssKiB: number; vmKiB: number; fds: number; }

/** A process's resident and virtual memory and its open fds, from /proc. */
export function processFigures(pid: number): ProcessFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), vmKiB: kib('VmSize'), fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Times the process was switched out, from /proc: each wake-up from poll() is one. */
export function contextSwitches(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches');
}

/** Whether the process woke at most once in the next `ms`: a runner with
 * nothing left to do sleeps (its preemption tick disarms once guests stop). */
export async function isQuiet(pid: number, ms = 50): Promise<boolean> {
  const before = contextSwitches(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return contextSwitches(pid) - before <= 1;
}

/** A POST whose chunked body never ends, so that its instance is still
 * reading when something happens to it; resolves with the status answered. */
export function requestInFlight(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.write('partial');
  });
}

export interface ProjectSpec {
  functions: (WatSpec & { isolation?: 'instance' | 'process'; env?: Record<string, string> })[];
  gateways: { name: string; port: number; function: string; type?: 'http' | 'tcp' }[];
}

/** Writes into dir a project of wat functions with exactly the gateways given
 * (writeWatProject gives each function one of its own); a rewrite is a change for a reload. */
export async function writeProject(dir: string, spec: ProjectSpec): Promise<void> {
  const optional = (key: string, value: string | number | undefined) => (value === undefined ? '' : `    ${key}: ${value}\n`);
  const functions = spec.functions.map((f) => `  - name: ${f.name}\n    path: ./${f.name}.wat\n    language: wat\n` +
    optional('timeout', f.timeout) + optional('memory', f.memory) + optional('max_instances', f.maxInstances) + optional('isolation', f.isolation) +
    (f.env ? `    env:\n${Object.entries(f.env).map(([k, v]) => `      ${k}: "${v}"\n`).join('')}` : ''));
  const gateways = spec.gateways.map((g) => `  - name: ${g.name}\n    type: ${g.type ?? 'http'}\n    port: ${g.port}\n    function: ${g.function}\n`);
  await writeFile(join(dir, 'embly-project.yml'), `functions:\n${functions.join('')}\ngateways:\n${gateways.join('')}`);
  for (const f of spec.functions) await writeFile(join(dir, `${f.name}.wat`), f.wat);
}

/** Replaces a built object with bytes no runner can load, and makes its
 * sidecar vouch for them (what a faulty compiler would leave): the next
 * build reuses it, so the runners that load it fail to start. Without the
 * sidecar's digest the build would see the damage and make it again. */
export async function breakObject(objectPath: string): Promise<void> {
  const broken = 'not a shared object';
  await writeFile(objectPath, broken);
  const sidecarPath = objectPath.replace(/\.so$/, '.json');
  const objectSha256 = createHash('sha256').update(broken).digest('hex');
  await writeFile(sidecarPath, JSON.stringify({ ...JSON.parse(await readFile(sidecarPath, 'utf8')), objectSha256 }));
}
