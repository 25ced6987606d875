// The HTTP benchmark (run by hand, not in CI). In one run, on loopback only:
//
//   1. throughput: wrk against a plain Node `http` hello server, against
//      Embly's HTTP gateway (bench/functions/stamp.wat, then the same function
//      with `isolation: process`), and against two per-request baselines
//      (bench/per-request.ts): Node `http` with a new WebAssembly.Instance of
//      the same .wasm per request, and a process per request (CGI-style);
//      every server runs the whole time, each is loaded while the others
//      idle, in rounds with a rotating order.
//   2. spawn latency: one connection, sequential requests paced at --rate per
//      second. Inside the daemon a probe (bench/http-server.ts) notes when
//      the gateway had parsed the request head (its requestStart channel) and
//      when the gateway called endpoint.spawn(); the function writes when its
//      first instruction ran (CLOCK_MONOTONIC, like process.hrtime). Spawn
//      latency: gateway request -> function running. At --rate, at each of
//      --spawn-rates, and (--max-rate) stepped up to the highest sustainable.
//
// Goals (issue 3): Embly ≥ 0.6 × plain Node requests/s; spawn p50 ≤ 100 µs
// and p99 ≤ 1 ms at 1k spawns/s. bench/README.md explains every column.
//
//   node dist/bench/http.js [--duration S] [--rounds K] [--connections C] [--rate R]
//                           [--spawn-rates R,..] [--max-rate] [--requests N] [--process-rate R]
//                           [--metrics] [--perf] [--json FILE] (--help)

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { runnerBinary } from '../src/paths.js';
import { masked, SEQUENCE_HEADER, type SpawnSample } from './http-common.js';
import { BenchError, runBench } from './cli.js';
import { figureOf, type BenchDistribution, type BenchFigure, type BenchFile } from './figures.js';
import { buildBenchProject, serverCpuSeconds, ServerProcess } from './server-process.js';
import { scrapeSpawnBuckets, spawnsBetween, type HistogramFigures } from './spawn-histogram.js';

const run = promisify(execFile);

const GOAL_RPS_RATIO = 0.6;
const GOAL_SPAWN_P50_NS = 100_000;
const GOAL_SPAWN_P99_NS = 1_000_000;
const GOAL_METRICS_COST = 0.03;

const USAGE = `usage: node dist/bench/http.js [options]

  --duration S      seconds of each wrk run (default 10)
  --rounds K        rounds of the interleaved measurements (default 3)
  --connections C   wrk connections (default 32; one wrk thread)
  --rate R          paced requests per second in the latency phase (default 1000)
  --requests N      requests per target per round in the latency phase (default 3000)
  --spawn-rates L   also the spawn latency of the instance function at these paced rates, comma-separated
                    (default 100), R × 3 s of requests per round (with --metrics: the daemon with metrics on)
  --max-rate        then step the paced rate up from --rate by × 1.5, 2 s a step, until the achieved rate
                    falls below 95 % of the asked one or spawn p99 exceeds 1 ms: the highest step that
                    passed is the highest sustainable spawn rate (one connection, sequential requests)
  --process-rate R  also the isolation: process function at this slower rate, which its warm pool
                    can keep up with (default 200; 0 to skip), R × 3 s of requests per round
  --runners N       runner processes per function (default: the daemon's, one per core)
  --no-process      skip the isolation: process function
  --metrics         also a second daemon that records its Prometheus metrics (scraped only between
                    runs), loaded in the same rounds: its requests/s against the first's is the cost of
                    metrics (goal ≤ 3 %); also prints the spawn p50/p99 that /metrics reports of each run
  --perf            after measuring, profile under wrk load with perf: the daemon and its
                    runners on the instance function, the whole machine on the process one
                    (the daemon runs with --perf-basic-prof for JS symbols)
  --json FILE       also write the figures (bench/figures.ts) and every measurement to FILE
  --check-goal      exit 3 if a goal is missed
  --help            show this text

exit status: 0 done, 1 a server or a request failed, 2 bad usage or a missing tool, 3 goal missed
(with --check-goal)`;

interface Options {
  duration: number; rounds: number; connections: number; rate: number; spawnRates: number[]; maxRate: boolean;
  requests: number; processRate: number;
  runners?: number; process: boolean; metrics: boolean; perf: boolean; json: string | null; checkGoal: boolean;
}


function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '3' },
        connections: { type: 'string', default: '32' },
        rate: { type: 'string', default: '1000' },
        requests: { type: 'string', default: '3000' },
        'spawn-rates': { type: 'string', default: '100' },
        'max-rate': { type: 'boolean', default: false },
        'process-rate': { type: 'string', default: '200' },
        runners: { type: 'string' },
        'no-process': { type: 'boolean', default: false },
        metrics: { type: 'boolean', default: false },
        perf: { type: 'boolean', default: false },
        json: { type: 'string' },
        'check-goal': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new BenchError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return null;
  const positive = (name: string, text: string | undefined) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new BenchError(`--${name} must be a positive integer, not ${text}`);
    return n;
  };
  return {
    duration: positive('duration', values.duration),
    rounds: positive('rounds', values.rounds),
    connections: positive('connections', values.connections),
    rate: positive('rate', values.rate),
    spawnRates: values['spawn-rates'] === '' ? [] : values['spawn-rates']!.split(',').map((r) => positive('spawn-rates', r)),
    maxRate: values['max-rate'],
    requests: positive('requests', values.requests),
    processRate: values['process-rate'] === '0' ? 0 : positive('process-rate', values['process-rate']),
    runners: values.runners === undefined ? undefined : positive('runners', values.runners),
    process: !values['no-process'],
    metrics: values.metrics,
    perf: values.perf,
    json: values.json ?? null,
    checkGoal: values['check-goal'],
  };
}

// --------------------------------------------------------------------- wrk

interface WrkResult {
  rps: number; p50Ns: number; p99Ns: number; requests: number; errors: number;
  /** what /metrics said of the run's spawns (--metrics) */
  histogram?: HistogramFigures;
  /** CPU µs per request: the server process itself, and its runner processes */
  cpuUsPerRequest: number; ownUsPerRequest: number; runnersUsPerRequest: number;
}

const UNIT_NS: Record<string, number> = { us: 1e3, ms: 1e6, s: 1e9 };

function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new BenchError(`cannot read wrk's duration ${JSON.stringify(text)}`, 1);
  return Number(m[1]) * UNIT_NS[m[2]!]!;
}

async function runWrk(url: string, options: Options, seconds: number, server: ServerProcess): Promise<WrkResult> {
  const cpuBefore = serverCpuSeconds(server.pid);
  const args = ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--latency', url];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 }).catch((e: { stderr?: string; message: string }) => {
    throw new BenchError(`wrk ${args.join(' ')} failed: ${e.stderr || e.message}`, 1);
  });
  const cpuAfter = serverCpuSeconds(server.pid);
  const own = cpuAfter.own - cpuBefore.own;
  const runners = cpuAfter.runners - cpuBefore.runners;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rps || !total || !p50 || !p99) throw new BenchError(`cannot read wrk's output:\n${stdout}`, 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0);
  const requests = Number(total[1]);
  return { rps: Number(rps[1]), p50Ns: parseDuration(p50[1]!), p99Ns: parseDuration(p99[1]!), requests, errors,
    cpuUsPerRequest: ((own + runners) * 1e6) / requests, ownUsPerRequest: (own * 1e6) / requests, runnersUsPerRequest: (runners * 1e6) / requests };
}

// --------------------------------------------------- the latency client

interface ClientSample { seq: number; sent: number; received: number; started: number; read: number; }

const hrnow = () => Number(process.hrtime.bigint());
const REQUEST_TIMEOUT_MS = 15_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the thread (no event loop turns, no CPU) for ns: sub-millisecond pacing. */
function sleepNs(ns: number): void {
  if (ns > 0) Atomics.wait(sleeper, 0, 0, ns / 1e6);
}

/** One keep-alive connection, one request at a time, timed around the socket. */
class RawClient {
  private pending: Buffer = Buffer.alloc(0);
  private waiter?: { resolve: (r: { head: string; received: number }) => void; reject: (e: Error) => void };

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.waiter?.reject(e));
    socket.on('close', () => this.waiter?.reject(new Error('the server closed the connection')));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private onData(chunk: Buffer): void {
    const received = hrnow();
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const end = this.pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.pending.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) return this.waiter?.reject(new Error(`a response without Content-Length:\n${head}`));
    if (this.pending.length < end + 4 + length) return;
    const whole = this.pending.subarray(0, end + 4 + length).toString('latin1');
    this.pending = this.pending.subarray(end + 4 + length);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ head: whole, received });
  }

  /** Sends one GET; resolves with the whole response and when its last byte arrived. */
  get(seq: number | null): Promise<{ head: string; sent: number; received: number }> {
    const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${seq === null ? '' : `${SEQUENCE_HEADER}: ${seq}\r\n`}\r\n`;
    return new Promise((resolve, reject) => {
      let sent = 0;
      // Longer than the functions' timeout (10 s): a server that never answers ends the run.
      const timer = setTimeout(() => reject(new BenchError(`no answer to request ${seq ?? '(first)'} within ${REQUEST_TIMEOUT_MS} ms`, 1)), REQUEST_TIMEOUT_MS);
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve({ ...r, sent });
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      sent = hrnow();
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const headerNs = (response: string, name: string) => Number(new RegExp(`\\r\\n${name}: (\\d+)\\r\\n`).exec(response)?.[1] ?? NaN);

/** Sequential requests at `rate` per second (send times on a fixed schedule; a late one goes at once). */
async function pacedRun(port: number, rate: number, requests: number, firstSeq: number): Promise<{ samples: ClientSample[]; seconds: number }> {
  const client = await RawClient.connect(port);
  const interval = 1e9 / rate;
  const samples: ClientSample[] = [];
  try {
    await client.get(null); // the connection's first request is not measured
    const begin = hrnow();
    for (let i = 0; i < requests; i++) {
      sleepNs(begin + i * interval - hrnow());
      const seq = firstSeq + i;
      const r = await client.get(seq);
      if (!r.head.startsWith('HTTP/1.1 200 ')) throw new BenchError(`request ${seq} got ${r.head.split('\r\n')[0]}`, 1);
      samples.push({ seq, sent: r.sent, received: r.received, started: headerNs(r.head, 'X-Start-Ns'), read: headerNs(r.head, 'X-Read-Ns') });
    }
    return { samples, seconds: (hrnow() - begin) / 1e9 };
  } finally {
    client.close();
  }
}

// ------------------------------------------------------------- statistics

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const median = (values: number[]) => percentile(values, 50);
const us = (ns: number) => (Number.isFinite(ns) ? (ns / 1e3).toFixed(ns < 1e5 ? 1 : 0) : '-');
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

// ------------------------------------------------------------------- main

/** name: the row's key; fn: the function behind the port (one name in several daemons). */
interface Target { name: string; fn: string; label: string; server: ServerProcess; port: number; }

/** One latency measurement: a target at a rate. */
interface Probe { key: string; target: Target; rate: number; requests: number; }

interface LatencyRound {
  probe: string; target: string; rate: number; round: number; seconds: number; client: ClientSample[]; spawns: SpawnSample[];
  /** what /metrics said of the run's spawns (--metrics) */
  histogram?: HistogramFigures;
}

/** Runs `measure` on `t`; with --metrics, also what the daemon's spawn
 * histogram recorded meanwhile (scraped before and after, not during). */
async function withSpawnHistogram<T>(t: Target, options: Options, measure: () => Promise<T>): Promise<[T, HistogramFigures | undefined]> {
  const port = t.server.metricsPort;
  if (!options.metrics || port === undefined || t.name === 'plain') return [await measure(), undefined];
  const before = await scrapeSpawnBuckets(port, t.fn);
  const result = await measure();
  return [result, spawnsBetween(before, await scrapeSpawnBuckets(port, t.fn))];
}

const histogramText = (h: HistogramFigures | undefined) =>
  (h ? `  /metrics spawn p50 ${us(h.p50Ns).padStart(6)} µs  p99 ${us(h.p99Ns).padStart(7)} µs (${h.count})` : '');


async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const wrkVersion = await run('wrk', ['--version']).then(
    (r) => (r.stdout || r.stderr).split('\n')[0]!.trim(),
    (e: { stdout?: string; code?: string | number }) => {
      if (e.code === 'ENOENT') throw new BenchError('wrk is missing: apt-get install wrk');
      return (e.stdout ?? '').split('\n')[0]!.trim(); // wrk --version exits 1
    },
  );
  if (!existsSync(runnerBinary)) throw new BenchError(`${runnerBinary} is missing: build it with \`npx cmake-js compile --out build/native\``);
  if (options.perf) await run('perf', ['--version']).catch(() => { throw new BenchError('perf is missing: apt-get install linux-perf'); });

  const targets: string[] = ['plain', 'stamp', ...(options.metrics ? ['stamp-metrics'] : []), ...(options.process ? ['stamp-process'] : []), 'v8', 'cgi'];
  const slowProcess = options.process && options.processRate > 0;
  const seconds = options.rounds * (targets.length * (options.duration + options.requests / options.rate + 1) + (slowProcess ? 4 : 0)) + targets.length * 3;
  console.log(`HTTP benchmark: ${options.rounds} rounds; wrk -t1 -c${options.connections} -d${options.duration}s; ` +
    `latency: 1 connection, ${options.requests} requests at ${options.rate}/s` +
    `${slowProcess ? ` (and isolation: process at ${options.processRate}/s)` : ''}\n` +
    `  ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ${wrkVersion}\n` +
    `  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; about ${Math.ceil(seconds / 60)} min`);

  await buildBenchProject();

  const work = await mkdtemp(join(tmpdir(), 'embly-bench-http-'));
  const servers: ServerProcess[] = [];
  try {
    const plain = await ServerProcess.start('plain', ['plain'], work, []);
    servers.push(plain);
    const v8 = await ServerProcess.start('v8', ['v8'], work, []);
    servers.push(v8);
    const cgi = await ServerProcess.start('cgi', ['cgi'], work, []);
    servers.push(cgi);
    const emblyArgs = ['embly', ...(options.runners ? ['--runners', String(options.runners)] : [])];
    const embly = await ServerProcess.start('embly', emblyArgs, work, options.perf ? ['--perf-basic-prof'] : []);
    servers.push(embly);
    // The same daemon with metrics on, idle while the others are loaded.
    const measured = options.metrics ? await ServerProcess.start('embly-metrics', [...emblyArgs, '--metrics'], work, []) : embly;
    if (measured !== embly) servers.push(measured);
    const all: Target[] = [
      { name: 'plain', fn: 'plain', label: 'plain Node http', server: plain, port: plain.ports.plain! },
      { name: 'stamp', fn: 'stamp', label: 'Embly, isolation: instance', server: embly, port: embly.ports.stamp! },
      { name: 'stamp-metrics', fn: 'stamp', label: 'Embly, instance, metrics on', server: measured, port: measured.ports.stamp! },
      { name: 'stamp-process', fn: 'stamp-process', label: 'Embly, isolation: process', server: embly, port: embly.ports['stamp-process']! },
      { name: 'v8', fn: 'v8', label: 'Node http + WebAssembly.Instance per request', server: v8, port: v8.ports.v8! },
      { name: 'cgi', fn: 'cgi', label: 'Node http + a process per request (CGI)', server: cgi, port: cgi.ports.cgi! },
    ];
    const byName = (name: string) => all.find((t) => t.name === name)!;
    const spawnTarget = byName(options.metrics ? 'stamp-metrics' : 'stamp');
    const list = all.filter((t) => targets.includes(t.name));
    const probes: Probe[] = list.map((t) => ({ key: t.name, target: t, rate: options.rate, requests: options.requests }));
    if (slowProcess) {
      probes.push({ key: `stamp-process@${options.processRate}`, target: byName('stamp-process'), rate: options.processRate, requests: options.processRate * 3 });
    }
    for (const rate of options.spawnRates.filter((r) => r !== options.rate)) {
      probes.push({ key: `${spawnTarget.name}@${rate}`, target: spawnTarget, rate, requests: Math.max(300, rate * 3) });
    }

    // Same bytes on the wire from every target, clock values and Date aside.
    const answers = new Map<string, { text: string; bytes: number }>();
    for (const t of list) {
      const client = await RawClient.connect(t.port);
      const { head } = await client.get(null);
      answers.set(t.name, { text: masked(head), bytes: head.length });
      client.close();
    }
    const reference = answers.get('plain')!;
    for (const [name, answer] of answers) {
      if (answer.text !== reference.text || answer.bytes !== reference.bytes) {
        throw new BenchError(`${name} does not answer the same bytes as the plain server:\n${answer.text}\n---\n${reference.text}`, 1);
      }
    }
    console.log(`  every target answers the same ${reference.bytes} bytes, clock values and Date aside (checked)`);

    // Warm up: JIT, pools, connections.
    for (const t of list) await runWrk(`http://127.0.0.1:${t.port}/`, options, 2, t.server);

    const throughput = new Map<string, WrkResult[]>(list.map((t) => [t.name, []]));
    const latency: LatencyRound[] = [];
    let seq = 1;
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < list.length; i++) {
        const t = list[(round + i) % list.length]!;
        const [r, histogram] = await withSpawnHistogram(t, options, () => runWrk(`http://127.0.0.1:${t.port}/`, options, options.duration, t.server));
        throughput.get(t.name)!.push({ ...r, histogram });
        process.stderr.write(`  round ${round + 1}/${options.rounds} wrk     ${t.name.padEnd(13)} ${thousands(r.rps).padStart(7)} req/s  ` +
          `p50 ${us(r.p50Ns).padStart(7)} µs  p99 ${us(r.p99Ns).padStart(7)} µs  ${r.cpuUsPerRequest.toFixed(1).padStart(6)} µs cpu/req (server ${r.ownUsPerRequest.toFixed(1)}, runners ${r.runnersUsPerRequest.toFixed(1)})` +
          `${r.errors ? `  ${r.errors} ERRORS` : ''}${histogramText(histogram)}\n`);
      }
      for (let i = 0; i < probes.length; i++) {
        const probe = probes[(round + i + 1) % probes.length]!;
        const t = probe.target;
        const probing = isEmbly(t);
        latency.push(await latencyRound(probe, round, seq, options));
        seq += probe.requests;
        const { client: samples, seconds, histogram } = latency.at(-1)!;
        const spawn = joined([latency.at(-1)!]).map((j) => j.spawn.functionStarted - j.spawn.requestStarted);
        process.stderr.write(`  round ${round + 1}/${options.rounds} latency ${probe.key.padEnd(13)} ${thousands(samples.length / seconds).padStart(7)} req/s  ` +
          `rtt p50 ${us(median(samples.map((s) => s.received - s.sent))).padStart(7)} µs` +
          (probing ? `  spawn p50 ${us(median(spawn)).padStart(6)} µs  p99 ${us(percentile(spawn, 99)).padStart(7)} µs` : '') + histogramText(histogram) + '\n');
      }
    }

    const missed = report(list, probes, throughput, latency, options);
    const steps = options.maxRate ? await findMaxRate(spawnTarget, options, seq) : [];

    if (options.perf) {
      await profile(embly, 'stamp', options, work);
      if (options.process) await profile(embly, 'stamp-process', options, work);
    }

    if (options.json) {
      const raw = { wrk: wrkVersion, options, throughput: Object.fromEntries(throughput), latency, maxRateSteps: steps };
      const command = `node dist/bench/http.js ${argv.filter((a, i) => a !== '--json' && argv[i - 1] !== '--json').join(' ')}`.trim();
      await writeFile(options.json, JSON.stringify({ ...benchFile({ list, throughput, latency, steps, spawnTarget, options, command }), raw }));
    }
    if (options.checkGoal && missed.length) {
      console.error(`goal missed: ${missed.join('; ')}`);
      return 3;
    }
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    // With --perf, the profile is kept (and /tmp/perf-PID.map, the daemon's JS symbols, which perf report needs).
    if (!options.perf) await rm(work, { recursive: true, force: true });
  }
}

const isEmbly = (t: Target) => t.server.name.startsWith('embly');

/** One paced run of a probe, with the daemon's own timing of each spawn (Embly targets) and, with --metrics, its histogram's. */
async function latencyRound(probe: Probe, round: number, seq: number, options: Options): Promise<LatencyRound> {
  const t = probe.target;
  const probing = isEmbly(t);
  if (probing) t.server.tell({ type: 'probe', on: true });
  const [{ samples, seconds }, histogram] = await withSpawnHistogram(t, options, () => pacedRun(t.port, probe.rate, probe.requests, seq));
  let spawns: SpawnSample[] = [];
  if (probing) {
    t.server.tell({ type: 'probe', on: false });
    t.server.tell({ type: 'collect' });
    spawns = (await t.server.expect('samples')).samples;
  }
  return { probe: probe.key, target: t.name, rate: probe.rate, round, seconds, client: samples, spawns, histogram };
}

const MAX_RATE_STEP = 1.5;
const MAX_RATE_STEPS = 10;
const SUSTAINED = 0.95;

interface RateStep { rate: number; achieved: number; p99Ns: number; passed: boolean; round: LatencyRound; }

/** Steps the paced rate up until it is no longer sustained (achieved < 95 % of it, or spawn p99 > 1 ms). */
async function findMaxRate(t: Target, options: Options, firstSeq: number): Promise<RateStep[]> {
  console.log(`\nHighest sustainable spawn rate (${t.label}; 1 connection, 2 s a step, × ${MAX_RATE_STEP} from ${options.rate}/s; ` +
    `sustained: ≥ ${SUSTAINED * 100} % of the asked rate and spawn p99 ≤ ${us(GOAL_SPAWN_P99_NS)} µs)`);
  const steps: RateStep[] = [];
  let seq = firstSeq;
  for (let i = 0, rate = options.rate; i < MAX_RATE_STEPS; i++, rate = Math.round(rate * MAX_RATE_STEP)) {
    const probe: Probe = { key: `max@${rate}`, target: t, rate, requests: rate * 2 };
    const round = await latencyRound(probe, 0, seq, options);
    seq += probe.requests;
    const achieved = round.client.length / round.seconds;
    const p99Ns = percentile(joined([round]).map((j) => j.spawn.functionStarted - j.spawn.requestStarted), 99);
    const passed = achieved >= rate * SUSTAINED && p99Ns <= GOAL_SPAWN_P99_NS;
    steps.push({ rate, achieved, p99Ns, passed, round });
    console.log(`  ${String(rate).padStart(6)}/s asked: ${thousands(achieved).padStart(6)}/s achieved, spawn p99 ${us(p99Ns).padStart(7)} µs ${passed ? '✓' : '✗ (not sustained)'}`);
    if (!passed) break;
  }
  const best = steps.filter((s) => s.passed).at(-1);
  console.log(best ? `  highest sustainable: ${best.rate}/s` : `  not even ${options.rate}/s was sustained`);
  return steps;
}

// ------------------------------------------------------------ --json

interface Measured {
  list: Target[]; throughput: Map<string, WrkResult[]>; latency: LatencyRound[]; steps: RateStep[];
  spawnTarget: Target; options: Options; command: string;
}

const spawnNs = (rounds: LatencyRound[]) => joined(rounds).map((j) => j.spawn.functionStarted - j.spawn.requestStarted);
const QUANTILES = [[50, 'p50Ns'], [99, 'p99Ns'], [99.9, 'p999Ns']] as const;

/** The figures of one run in the shape of bench/figures.ts (latencies in µs). */
function benchFile(m: Measured): BenchFile {
  const figures: BenchFigure[] = [];
  const rps = (name: string) => m.throughput.get(name)?.map((r) => r.rps) ?? [];
  const add = (f: Parameters<typeof figureOf>[0], goal?: (f: BenchFigure) => { text: string; met: boolean }) => {
    const figure = figureOf(f);
    figures.push(goal ? { ...figure, goal: goal(figure) } : figure);
  };
  const base = { command: m.command };
  const ratioGoal = (text: string, min: number) => (f: BenchFigure) => ({ text, met: f.ratio! >= min });
  for (const t of m.list) {
    const baseline = t.name === 'plain' ? undefined : { name: 'plain Node http', runs: rps('plain') };
    const judged = t.name === 'stamp' || t.name === 'stamp-process';
    add({ ...base, section: 'HTTP requests/s', figure: t.label, unit: 'req/s', runs: rps(t.name), baseline },
      judged ? ratioGoal(`≥ ${GOAL_RPS_RATIO} × plain Node`, GOAL_RPS_RATIO) : undefined);
  }
  if (m.throughput.has('stamp-process')) {
    add({ ...base, section: 'Isolation', figure: 'isolation: process, requests/s', unit: 'req/s', runs: rps('stamp-process'),
      baseline: { name: 'isolation: instance', runs: rps('stamp') } });
  }
  if (m.throughput.has('stamp-metrics')) {
    add({ ...base, section: 'Metrics', figure: 'requests/s with metrics on', unit: 'req/s', runs: rps('stamp-metrics'),
      baseline: { name: 'metrics off', runs: rps('stamp') } }, ratioGoal(`≥ ${1 - GOAL_METRICS_COST} × metrics off`, 1 - GOAL_METRICS_COST));
  }
  const rounds = (target: string, rate: number) => m.latency.filter((l) => l.target === target && l.rate === rate);
  const rttP50 = (target: string) => rounds(target, m.options.rate).map((l) => median(l.client.map((c) => c.received - c.sent)) / 1e3);
  const distributions: BenchDistribution[] = [];
  for (const t of m.list) {
    const pooled = rounds(t.name, m.options.rate).flatMap((l) => l.client.map((c) => c.received - c.sent));
    distributions.push({ section: 'HTTP round trip', name: t.label, samplesNs: pooled });
    if (t.name === 'plain') continue;
    add({ ...base, section: 'HTTP round trip', figure: `${t.label}, p50 at ${m.options.rate}/s (1 connection)`, unit: 'µs', runs: rttP50(t.name),
      baseline: { name: 'plain Node http', runs: rttP50('plain') } });
  }
  if (m.throughput.has('stamp-process')) {
    add({ ...base, section: 'Isolation', figure: `isolation: process, round trip p50 at ${m.options.rate}/s`, unit: 'µs', runs: rttP50('stamp-process'),
      baseline: { name: 'isolation: instance', runs: rttP50('stamp') } });
  }
  const spawnRounds = [...new Set([...m.options.spawnRates, m.options.rate])].sort((a, b) => a - b)
    .map((rate) => ({ label: `${rate}/s`, rate, rounds: rounds(m.spawnTarget.name, rate) }));
  const best = m.steps.filter((s) => s.passed).at(-1);
  if (best) spawnRounds.push({ label: `${best.rate}/s (highest sustainable)`, rate: best.rate, rounds: [best.round] });
  for (const { label, rate, rounds: rs } of spawnRounds) {
    distributions.push({ section: 'Spawn latency', name: label, samplesNs: spawnNs(rs) });
    for (const [q, key] of QUANTILES) {
      const histogram = rs.map((r) => r.histogram?.[key]).filter((v): v is number => v !== undefined).map((ns) => ns / 1e3);
      const goalNs = rate === 1000 ? (q === 50 ? GOAL_SPAWN_P50_NS : q === 99 ? GOAL_SPAWN_P99_NS : undefined) : undefined;
      add({ ...base, section: 'Spawn latency', figure: `p${q} at ${label}`, unit: 'µs', runs: rs.map((r) => percentile(spawnNs([r]), q) / 1e3),
        baseline: histogram.length === rs.length ? { name: '/metrics (histogram_quantile)', runs: histogram } : undefined },
      goalNs === undefined ? undefined : (f) => ({ text: `≤ ${goalNs / 1e3} µs`, met: f.value * 1e3 <= goalNs }));
    }
  }
  if (best) figures.push({ section: 'Spawn latency', figure: 'highest sustainable rate', value: best.rate, unit: 'spawns/s', runs: [best.rate], command: m.command });
  return {
    bench: 'http', date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage: loadavg() },
    figures, distributions,
  };
}

/** The spawn latency /metrics reported of each run, next to what the bench itself measured of the same requests (medians over rounds). */
function histogramTable(list: Target[], probes: Probe[], throughput: Map<string, WrkResult[]>, latency: LatencyRound[], labelOf: (p: Probe) => string): string {
  const rows = [['target', 'run', '/metrics spawn p50 µs', '/metrics spawn p99 µs', 'bench: spawn p50 µs', 'bench: spawn p99 µs', 'wrk rtt p50 µs', 'wrk rtt p99 µs']];
  const med = (values: (number | undefined)[]) => us(median(values.filter((v): v is number => v !== undefined)));
  for (const t of list.filter(isEmbly)) {
    const runs = throughput.get(t.name)!;
    rows.push([t.label, 'wrk', med(runs.map((r) => r.histogram?.p50Ns)), med(runs.map((r) => r.histogram?.p99Ns)), '-', '-', med(runs.map((r) => r.p50Ns)), med(runs.map((r) => r.p99Ns))]);
  }
  for (const p of probes.filter((x) => isEmbly(x.target))) {
    const rounds = latency.filter((l) => l.probe === p.key);
    const spawn = joined(rounds).map((x) => x.spawn.functionStarted - x.spawn.requestStarted);
    rows.push([labelOf(p), `paced ${p.rate}/s`, med(rounds.map((r) => r.histogram?.p50Ns)), med(rounds.map((r) => r.histogram?.p99Ns)),
      us(median(spawn)), us(percentile(spawn, 99)), '-', '-']);
  }
  return `\nSpawn latency as /metrics reports it (embly_spawn_duration_seconds, scraped before and after each run; quantiles\n` +
    `as histogram_quantile() estimates them within its buckets), next to the bench's own figures for the same runs\n${table(rows)}`;
}

interface Joined { client: ClientSample; spawn: SpawnSample; }

/** Client samples with the probe's sample of the same request (by X-Bench-Seq). */
function joined(rounds: LatencyRound[]): Joined[] {
  const out: Joined[] = [];
  for (const r of rounds) {
    const bySeq = new Map(r.spawns.map((p) => [p.seq, p]));
    for (const c of r.client) {
      const spawn = bySeq.get(c.seq);
      if (spawn) out.push({ client: c, spawn });
    }
  }
  return out;
}

/** Prints the tables; returns the goals missed. */
function report(list: Target[], probes: Probe[], throughput: Map<string, WrkResult[]>, latency: LatencyRound[], options: Options): string[] {
  const missed: string[] = [];
  const plainRps = median(throughput.get('plain')!.map((r) => r.rps));

  console.log(`\nThroughput: wrk -t1 -c${options.connections} -d${options.duration}s, medians of ${options.rounds} interleaved runs`);
  const rows = [['target', 'req/s', 'min', 'max', 'p50 µs', 'p99 µs', 'cpu µs/req', 'node', 'runners', 'vs plain']];
  for (const t of list) {
    const runs = throughput.get(t.name)!;
    const rps = median(runs.map((r) => r.rps));
    const ratio = rps / plainRps;
    const perRound = runs.map((r, i) => r.rps / throughput.get('plain')![i]!.rps);
    rows.push([t.label, thousands(rps), thousands(Math.min(...runs.map((r) => r.rps))), thousands(Math.max(...runs.map((r) => r.rps))),
      us(median(runs.map((r) => r.p50Ns))), us(median(runs.map((r) => r.p99Ns))), median(runs.map((r) => r.cpuUsPerRequest)).toFixed(1),
      median(runs.map((r) => r.ownUsPerRequest)).toFixed(1), median(runs.map((r) => r.runnersUsPerRequest)).toFixed(1),
      t.name === 'plain' ? '1.00×' : `${ratio.toFixed(2)}×${isEmbly(t) ? (ratio >= GOAL_RPS_RATIO ? ' ✓' : ' ✗') : ''} (rounds ${perRound.map((x) => x.toFixed(2)).join(', ')})`]);
    if (isEmbly(t) && ratio < GOAL_RPS_RATIO) missed.push(`${t.label}: ${ratio.toFixed(2)}× plain Node requests/s (goal ≥ ${GOAL_RPS_RATIO})`);
    const errors = runs.reduce((a, r) => a + r.errors, 0);
    if (errors) console.log(`  ${t.label}: ${errors} errors (non-2xx or socket) during wrk runs`);
  }
  console.log(table(rows));
  const measured = throughput.get('stamp-metrics');
  if (measured) {
    const perRound = measured.map((r, i) => r.rps / throughput.get('stamp')![i]!.rps);
    const cost = 1 - median(perRound);
    console.log(`  metrics cost: the daemon with metrics on serves ${(median(perRound) * 100).toFixed(1)} % of the requests/s of the one without ` +
      `(median of rounds ${perRound.map((x) => x.toFixed(3)).join(', ')}; goal ≥ 97 %) ${cost <= GOAL_METRICS_COST ? '✓' : '✗'}`);
    if (cost > GOAL_METRICS_COST) missed.push(`metrics cost ${(cost * 100).toFixed(1)} % of requests/s (goal ≤ 3 %)`);
  }
  console.log('  cpu µs/req: CPU time per request of the server: its Node process (node) and its runner processes (runners); wrk is not counted.');

  console.log(`\nLatency: 1 connection, sequential requests paced at a fixed rate, ${options.rounds} rounds pooled`);
  const plainClient = latency.filter((l) => l.probe === 'plain').flatMap((l) => l.client);
  const plainToHandler = median(plainClient.map((c) => c.started - c.sent));
  const labelOf = (p: Probe) => (p.rate === options.rate ? p.target.label : `${p.target.label}, ${p.rate}/s`);
  const lrows = [['target', 'paced at', 'req/s', 'rtt p50 µs', 'rtt p99 µs', 'spawn p50 µs', 'spawn p99 µs', 'spawn p99.9 µs', 'spawn() p50 µs', 'client est. µs']];
  for (const p of probes) {
    const rounds = latency.filter((l) => l.probe === p.key);
    const client = rounds.flatMap((l) => l.client);
    const rate = client.length / rounds.reduce((a, r) => a + r.seconds, 0);
    const rtt = client.map((c) => c.received - c.sent);
    if (!isEmbly(p.target)) {
      lrows.push([labelOf(p), `${p.rate}/s`, thousands(rate), us(median(rtt)), us(percentile(rtt, 99)), '-', '-', '-', '-', '-']);
      continue;
    }
    const j = joined(rounds);
    const spawn = j.map((x) => x.spawn.functionStarted - x.spawn.requestStarted);
    const fromSpawnCall = j.map((x) => x.spawn.functionStarted - x.spawn.spawnCalled);
    // Without the probe: the client's view, send -> function started, less the plain server's send -> handler.
    const clientEstimate = median(client.map((c) => c.started - c.sent)) - plainToHandler;
    const p50 = median(spawn);
    const p99 = percentile(spawn, 99);
    const judged = p.rate >= 1000; // the goal is stated at 1k spawns/s
    const mark = (ok: boolean) => (judged ? (ok ? ' ✓' : ' ✗') : '');
    lrows.push([labelOf(p), `${p.rate}/s`, thousands(rate), us(median(rtt)), us(percentile(rtt, 99)),
      `${us(p50)}${mark(p50 <= GOAL_SPAWN_P50_NS)}`, `${us(p99)}${mark(p99 <= GOAL_SPAWN_P99_NS)}`, us(percentile(spawn, 99.9)), us(median(fromSpawnCall)), us(clientEstimate)]);
    if (j.length < client.length) console.log(`  ${labelOf(p)}: the probe matched ${j.length} of ${client.length} requests`);
    if (judged && rate < p.rate * 0.95) missed.push(`${labelOf(p)}: only ${thousands(rate)} sequential requests/s of ${p.rate}`);
    if (judged && (p50 > GOAL_SPAWN_P50_NS || p99 > GOAL_SPAWN_P99_NS)) {
      missed.push(`${labelOf(p)}: spawn p50 ${us(p50)} µs, p99 ${us(p99)} µs (goal ≤ 100 µs, ≤ 1000 µs at 1k/s)`);
    }
  }
  console.log(table(lrows));
  console.log('  spawn: the gateway read the request head -> the function\'s first instruction, from the daemon\'s probe\n' +
    '  and the function\'s clock; spawn(): the same from the gateway\'s endpoint.spawn() call. client est.: without the probe, the client\'s\n' +
    '  send -> the function\'s first instruction, less the plain server\'s send -> its handler (medians).');

  if (options.metrics) console.log(histogramTable(list, probes, throughput, latency, labelOf));

  console.log('\nWhere an Embly request\'s time goes (medians, µs; plain: send -> handler -> received)');
  const drows = [['target', 'client->request', 'request->spawn', 'spawn->STARTED', 'spawn->running', '(spawn->runner read SPAWN', 'read->switch', 'switch->running)', 'running->request read', 'request read->response at gateway', 'gateway->client', 'total']];
  drows.push(['plain Node http', us(plainToHandler), '', '', '', '', '', '', '', '', us(median(plainClient.map((c) => c.received - c.started))),
    us(median(plainClient.map((c) => c.received - c.sent)))]);
  for (const p of probes.filter((x) => isEmbly(x.target))) {
    const j = joined(latency.filter((l) => l.probe === p.key));
    const m = (f: (x: Joined) => number) => us(median(j.map(f).filter((v) => Number.isFinite(v))));
    drows.push([labelOf(p), m((x) => x.spawn.requestStarted - x.client.sent), m((x) => x.spawn.spawnCalled - x.spawn.requestStarted),
      m((x) => (x.spawn.spawnResolved < 0 ? NaN : x.spawn.spawnResolved - x.spawn.spawnCalled)),
      m((x) => x.spawn.functionStarted - x.spawn.spawnCalled),
      m((x) => (x.spawn.spawnResolved < 0 ? NaN : x.spawn.spawnRead - x.spawn.spawnCalled)),
      m((x) => (x.spawn.spawnResolved < 0 ? NaN : x.spawn.ranAt - x.spawn.spawnRead)),
      m((x) => (x.spawn.spawnResolved < 0 ? NaN : x.spawn.functionStarted - x.spawn.ranAt)),
      m((x) => x.spawn.requestRead - x.spawn.functionStarted),
      m((x) => x.spawn.responseArrived - x.spawn.requestRead), m((x) => x.client.received - x.spawn.responseArrived),
      m((x) => x.client.received - x.client.sent)]);
  }
  console.log(table(drows));
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end` +
    (loadavg()[0]! > cpus().length * 0.5 ? ' — the machine is busy: compare within this run, and read the cpu µs/req column' : ''));
  return missed;
}

// Where a sample's CPU time goes: the first rule whose pattern matches the
// sample's stack (leaf first, one frame per line) names its category.
type Rule = [category: string, pattern: RegExp];

const KERNEL_LEAF = /\[kernel\.kallsyms\]/;

const DAEMON_KERNEL_RULES: Rule[] = [
  ['kernel: frames to runners (unix socket writes, waking the runner)', /unix_stream_sendmsg/],
  ['kernel: responses to clients (TCP writes)', /tcp_sendmsg/],
  ['kernel: frames from runners (unix socket reads)', /unix_stream_recvmsg|unix_stream_read_generic/],
  ['kernel: requests from clients (TCP reads)', /tcp_recvmsg/],
  ['kernel: epoll_wait (sleeping, being woken)', /epoll_wait/],
  ['kernel: other (accept, close, timers, page faults)', /./],
];

const DAEMON_USER_RULES: Rule[] = [
  ['V8 garbage collection (main thread)', /Scaveng|MarkCompact|Heap::|GCTracer|Sweeper|IncrementalMarking/],
  ['master: random addresses (crypto.randomBytes)', /newAddress|RandomBytes/],
  ['master: frame encoding/decoding (frames.ts)', /master\/frames\.js/],
  ['gateway: HTTP parsing (head.ts, body.ts, reader.ts)', /gateways\/http\/(head|body|reader|date)\.js/],
  ['master + gateway logic (spawn, route, Exchange, exit logs)', /master\/master\.js|gateways\/http\/|daemon\/daemon\.js|log-limiter\.js/],
  ["Node's HTTP and stream machinery (net sockets, streams)", /_http_|internal\/streams|stream_base_commons|net\.js/],
  ['other: event loop, streams, promises, timers', /./],
];

const RUNNER_RULES: Rule[] = [
  ['runner: the function\'s own code (AOT object)', /^\S+ \S*\.embly\/objects\//],
  ['runner kernel: poll (sleeping, being woken)', /do_sys_poll|sys_poll/],
  ['runner kernel: socket reads and writes', /ksys_read|ksys_write|unix_stream/],
  ['runner kernel: rt_sigprocmask (swapcontext on every fiber switch)', /sigprocmask/],
  ['runner kernel: memory reuse (mincore, mprotect)', /mincore|mprotect|madvise/],
  ['runner kernel: process birth and death (fork, page faults, exit)', /kernel_clone|copy_process|do_exit|exit_mmap|handle_mm_fault|exc_page_fault|ret_from_fork/],
  ['runner kernel: other (getrandom, signals, timers)', KERNEL_LEAF],
  ['runner: fiber switches (swapcontext)', /swapcontext|getcontext|makecontext|__start_context/],
  ['runner: memory reset and copies', /memset|memcpy|memmove|page_is_zero|zero_dirty/],
  ['runner: scheduler, frames, host calls, instance set-up', /./],
];

function categorize(comm: string, pid: number, tid: number, daemonPid: number, frames: string[]): string {
  const stack = frames.join('\n');
  const first = (rules: Rule[]) => rules.find(([, pattern]) => pattern.test(stack))?.[0] ?? 'unknown (no call chain)';
  if (comm === 'embly-runner') {
    if (KERNEL_LEAF.test(frames[0] ?? '')) return first(RUNNER_RULES.filter(([c]) => c.startsWith('runner kernel') || c.includes('own code')));
    return first(RUNNER_RULES.filter(([c]) => !c.startsWith('runner kernel')));
  }
  if (pid !== daemonPid) return 'other processes';
  if (tid !== pid) return 'Node helper threads (V8 GC and compiler, libuv pool)';
  return first(KERNEL_LEAF.test(frames[0] ?? '') ? DAEMON_KERNEL_RULES : DAEMON_USER_RULES);
}

/** Sums perf script's samples (period = ns of CPU) by category. */
async function categorizedProfile(data: string, daemonPid: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const perf = spawn('perf', ['script', '-i', data, '-F', 'comm,pid,tid,period,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  const flush = (block: string) => {
    const lines = block.split('\n').filter((l) => l.trim());
    const head = /^(\S+)\s+(\d+)\/(\d+)\s+(\d+)/.exec(lines[0] ?? '');
    if (!head) return;
    // "addr symbol (dso)" -> "dso symbol", so that rules can look at either
    const frames = lines.slice(1).map((l) => {
      const m = /^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/.exec(l);
      return m ? `${m[2]} ${m[1]}` : l.trim();
    });
    const category = categorize(head[1]!, Number(head[2]), Number(head[3]), daemonPid, frames);
    totals.set(category, (totals.get(category) ?? 0) + Number(head[4]));
  };
  perf.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    const blocks = text.split('\n\n');
    text = blocks.pop()!;
    for (const block of blocks) flush(block);
  });
  await new Promise((resolve) => perf.on('close', resolve));
  flush(text);
  return totals;
}

/** perf record during one wrk run on a target: the daemon and its runners for
 * `stamp`; the whole machine for `stamp-process`, whose runners live for one
 * request each (wrk's own samples land in "other processes"). */
async function profile(embly: ServerProcess, target: 'stamp' | 'stamp-process', options: Options, work: string): Promise<void> {
  const data = join(work, `perf-${target}.data`);
  const seconds = options.duration;
  let scope: string[];
  if (target === 'stamp') {
    embly.tell({ type: 'runners' });
    const runners = (await embly.expect('runners')).pids;
    scope = ['-p', [embly.pid, ...runners].join(',')];
    console.log(`\nProfile: perf record -F 999 -g on the daemon (pid ${embly.pid}) and its runners (${runners.join(', ')}) during wrk -d${seconds}s on ${target}`);
  } else {
    scope = ['-a'];
    console.log(`\nProfile: perf record -F 999 -g -a (the whole machine; the daemon is pid ${embly.pid}) during wrk -d${seconds}s on ${target}`);
  }
  const perf = spawn('perf', ['record', '-F', '999', '-g', '-o', data, ...scope, '--', 'sleep', String(seconds + 0.5)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let perfErr = '';
  perf.stderr!.on('data', (d: Buffer) => { perfErr += d; });
  const perfDone = new Promise<number | null>((resolve) => perf.on('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 250));
  const r = await runWrk(`http://127.0.0.1:${embly.ports[target]}/`, options, seconds, embly);
  if ((await perfDone) !== 0) throw new BenchError(`perf record failed: ${perfErr}`, 1);
  const totals = await categorizedProfile(data, embly.pid);
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  console.log(`  under perf: ${thousands(r.rps)} req/s, ${thousands(r.requests)} requests; ${(all / 1e9).toFixed(2)} CPU s sampled ` +
    `= ${(all / 1e3 / r.requests).toFixed(1)} µs per request (the same run measured ${r.cpuUsPerRequest.toFixed(1)} µs from /proc)`);
  const rows = [['where', 'share', 'µs/req']];
  const sorted = [...totals].sort((a, b) => b[1] - a[1]);
  for (const [category, ns] of sorted) rows.push([category, `${((100 * ns) / all).toFixed(1)} %`, (ns / 1e3 / r.requests).toFixed(1)]);
  console.log(table(rows).split('\n').map((l) => `  ${l}`).join('\n'));
  console.log(`  kept ${data} and /tmp/perf-${embly.pid}.map (JS symbols): perf report -i ${data} --no-children --sort comm,dso,sym`);
}

runBench(main);
