// Memory per idle instance, and the most concurrent sleeping instances reached.
// See bench/README.md, "idle".
//
//   node dist/bench/idle.js [--quick] [--runs K] [--instances N] [--ramp-to M] [--json FILE]
//
// A real daemon (bench/http-server.ts) serves bench/functions/spawner.wat on a
// TCP gateway; on request it spawns `sleeper` instances (sleeper.wat: blocked
// in `events` on its parent), as many as asked, and keeps them. Memory is the
// PSS (/proc/PID/smaps_rollup: shared pages divided among their sharers) of the
// daemon and of every process below it, before and once the daemon's
// embly_instances gauge shows them all running; per instance = Δ / N. The
// baseline is the same number of minimal processes each asleep in read() on a
// pipe (bench/baselines/pipes.c, forked from one small C parent): the cost of
// the process-per-instance way of keeping N idle workers, which Embly's shared
// runners exist to avoid. The ramp then asks for more and more sleepers, to the
// goal of 10,000 and beyond, and says what stopped it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BenchError, runBench } from './cli.js';
import { figureOf, type BenchFigure } from './figures.js';
import { buildPipes } from './pipes.js';
import { childPids, descendantPids, fdCount, mappingCount, median, pssBytes, sumOver } from './proc.js';
import { parseOptions, rerunCommand, table, wholeNumber, writeJson } from './report.js';
import { buildBenchProject, ServerProcess } from './server-process.js';

const ERRNO_NAMES: Record<number, string> = { 0: 'none', 2: 'EACCES', 28: 'EINVAL', 44: 'ENOENT', 48: 'ENOMEM (max_instances, or the runners out of room)', 52: 'ENOSYS' };
const MiB = 1 << 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The connection to one `spawner` instance: ask for a count of sleepers, hear how many it has. */
class Spawner {
  private buffered = Buffer.alloc(0);
  private waiter: ((answer: { count: number; errno: number } | Error) => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length < 8 || !this.waiter) return;
      const answer = { count: this.buffered.readUInt32LE(0), errno: this.buffered.readUInt32LE(4) };
      this.buffered = this.buffered.subarray(8);
      this.take()(answer);
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter && this.take()(new BenchError('the spawner function ended (see the server log)', 1));
    });
    socket.on('error', () => {}); // 'close' follows
  }

  private take() {
    const waiter = this.waiter!;
    this.waiter = undefined;
    return waiter;
  }

  static open(port: number): Promise<Spawner> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Spawner(socket)));
      socket.once('error', (e) => reject(new BenchError(`the spawner's gateway: ${e.message}`, 1)));
    });
  }

  /** Asks for `target` sleepers in all; resolves with how many there are and the errno that stopped it. */
  grow(target: number): Promise<{ count: number; errno: number }> {
    if (this.closed) return Promise.reject(new BenchError('the spawner function ended', 1));
    return new Promise((resolve, reject) => {
      this.waiter = (answer) => (answer instanceof Error ? reject(answer) : resolve(answer));
      const request = Buffer.alloc(4);
      request.writeUInt32LE(target);
      this.socket.write(request);
    });
  }

  /** Ends the spawner, and with it its sleepers. */
  close(): void {
    this.socket.end();
  }
}

/** What the server log says of instances that could not start: the runners' first
 * "cannot start" lines (they say why), else the log's last lines. */
function whyInLog(file: string): string {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  const why = lines.filter((l) => l.includes('cannot start'));
  return (why.length > 0 ? [...why.slice(0, 3), `(${why.length} such lines)`] : lines.slice(-5)).join('\n');
}
const maxMapCount = () => readFileSync('/proc/sys/vm/max_map_count', 'latin1').trim();

/** The daemon's embly_instances gauge for `fn`. */
async function liveInstances(metricsPort: number, fn: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const match = new RegExp(`^embly_instances\\{function="${fn}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Waits until the gauge reads `count`; the last reading if it did not within timeoutMs,
 * or if it stood still for 10 s (instances that failed to start do not come back). */
async function settle(metricsPort: number, fn: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let live = await liveInstances(metricsPort, fn);
  let changed = Date.now();
  while (live !== count && Date.now() < deadline && Date.now() - changed < 10_000) {
    await sleep(100);
    const now = await liveInstances(metricsPort, fn);
    if (now !== live) changed = Date.now();
    live = now;
  }
  return live;
}

interface Footprint { daemon: number; processes: number; runners: number; daemonFds: number; mostMappings: number[] }

function footprint(daemonPid: number): Footprint {
  const below = descendantPids(daemonPid);
  return {
    daemon: pssBytes(daemonPid), processes: sumOver(below, pssBytes), runners: below.length, daemonFds: fdCount(daemonPid),
    // against vm.max_map_count: each instance maps its memory and its stack
    mostMappings: below.map(mappingCount).filter((n) => Number.isFinite(n)).sort((a, b) => b - a).slice(0, 2),
  };
}

/** Δ PSS per instance (bytes) of the daemon and of its runners, for `count` sleepers. */
async function emblyPerInstance(server: ServerProcess, port: number, count: number): Promise<{ daemon: number; runners: number }> {
  const metricsPort = server.metricsPort!;
  if (await settle(metricsPort, 'sleeper', 0, 30_000) !== 0) throw new BenchError('sleepers of the last run are still running', 1);
  const before = footprint(server.pid);
  const spawner = await Spawner.open(port);
  try {
    const { count: got, errno } = await spawner.grow(count);
    if (got !== count) throw new BenchError(`the spawner reached ${got} of ${count} sleepers (errno ${ERRNO_NAMES[errno] ?? errno})`, 1);
    const live = await settle(metricsPort, 'sleeper', count, 60_000);
    if (live !== count) throw new BenchError(`${live} of ${count} sleepers are running`, 1);
    const after = footprint(server.pid);
    return { daemon: (after.daemon - before.daemon) / count, runners: (after.processes - before.processes) / count };
  } finally {
    spawner.close();
  }
}

/** PSS per process (bytes) of `count` minimal processes asleep in read(). */
async function processPerInstance(program: string, count: number): Promise<number> {
  const child = spawn(program, ['idle', String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const lines = createInterface({ input: child.stdout! });
    const ready = await new Promise<boolean>((resolve) => {
      lines.once('line', (line) => resolve(line === 'ready'));
      child.once('exit', () => resolve(false));
    });
    if (!ready) throw new BenchError(`pipes idle ${count} did not start its processes`, 1);
    const sleepers = childPids(child.pid!);
    if (sleepers.length !== count) throw new BenchError(`pipes idle ${count} has ${sleepers.length} children`, 1);
    return sumOver(sleepers, pssBytes) / count;
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

interface RampStep { asked: number; count: number; errno: number; live: number; footprint: Footprint }

/** Asks one spawner for more and more sleepers; stops at the first step not fully reached. */
async function ramp(server: ServerProcess, port: number, targets: number[]): Promise<{ steps: RampStep[]; stopped: string }> {
  const metricsPort = server.metricsPort!;
  await settle(metricsPort, 'sleeper', 0, 30_000);
  const spawner = await Spawner.open(port);
  const steps: RampStep[] = [];
  try {
    for (const asked of targets) {
      const { count, errno } = await spawner.grow(asked);
      const live = await settle(metricsPort, 'sleeper', count, 120_000);
      steps.push({ asked, count, errno, live, footprint: footprint(server.pid) });
      process.stderr.write(`  ${asked}: ${count} spawned, ${live} running\n`);
      if (errno !== 0) return { steps, stopped: `a spawn failed with ${ERRNO_NAMES[errno] ?? `errno ${errno}`} at ${count}` };
      if (live !== count) return { steps, stopped: `${count} spawned but only ${live} running (the count stood still); the server log says:\n${whyInLog(server.logFile)}` };
    }
    return { steps, stopped: `nothing: the ramp ended at ${targets.at(-1)} (--ramp-to)` };
  } catch (e) {
    return { steps, stopped: (e as Error).message };
  } finally {
    spawner.close();
  }
}

function rampTargets(to: number): number[] {
  const targets = [1000, 2500, 5000, 7500, 10_000];
  for (let n = 15_000; n <= to; n += n < 50_000 ? 5000 : 25_000) targets.push(n);
  return [...targets.filter((n) => n < to), to];
}

async function main(argv: string[]): Promise<number> {
  const { common, values } = parseOptions(argv, { instances: { type: 'string' }, 'ramp-to': { type: 'string' } }, 3, 5);
  const count = wholeNumber(values.instances as string | undefined, '--instances', common.quick ? 500 : 2000);
  const rampTo = wholeNumber(values['ramp-to'] as string | undefined, '--ramp-to', common.quick ? 10_000 : 30_000);
  const work = mkdtempSync(join(tmpdir(), 'embly-bench-idle-'));
  await buildBenchProject();
  const program = await buildPipes(work);
  const server = await ServerProcess.start('embly', ['embly', '--metrics'], work, []);
  try {
    const port = server.ports.spawner;
    if (!port || !server.metricsPort) throw new BenchError('the bench project has no gateway for the spawner function, or the daemon no metrics', 1);
    await emblyPerInstance(server, port, Math.min(count, 100)); // warm-up: runners' pools, the daemon's tables
    const embly = { daemon: [] as number[], runners: [] as number[], total: [] as number[] };
    const processes: number[] = [];
    for (let r = 0; r < common.runs; r++) {
      const measureEmbly = async () => {
        const m = await emblyPerInstance(server, port, count);
        embly.daemon.push(m.daemon / 1024);
        embly.runners.push(m.runners / 1024);
        embly.total.push((m.daemon + m.runners) / 1024);
      };
      const measureProcesses = async () => { processes.push((await processPerInstance(program, count)) / 1024); };
      if (r % 2) await measureProcesses().then(measureEmbly);
      else await measureEmbly().then(measureProcesses);
    }
    process.stderr.write(`ramp towards ${rampTo} sleepers:\n`);
    const { steps, stopped } = await ramp(server, port, rampTargets(rampTo));
    const reached = Math.max(0, ...steps.map((s) => Math.min(s.count, s.live)));

    const command = rerunCommand('idle', common, ['--instances', String(count), '--ramp-to', String(rampTo)]);
    const figures: BenchFigure[] = [
      figureOf({ section: 'Memory', figure: 'memory per idle instance (daemon + runners, PSS)', unit: 'KiB', runs: embly.total, baseline: { name: 'a minimal process asleep in read() (PSS)', runs: processes }, command }),
      figureOf({ section: 'Memory', figure: 'of which the daemon', unit: 'KiB', runs: embly.daemon, command }),
      figureOf({ section: 'Memory', figure: 'of which the runners', unit: 'KiB', runs: embly.runners, command }),
      figureOf({ section: 'Memory', figure: 'concurrent sleeping instances reached', unit: 'instances', runs: [reached], goal: { text: '10,000', met: reached >= 10_000 }, command }),
    ];
    console.log(`idle: ${common.runs} runs of ${count} sleeping instances (wat, 1 page, blocked in events) against ${count} processes blocked in read(), interleaved; PSS deltas`);
    console.log(table([
      ['per instance', 'median KiB', 'runs'],
      ['Embly: daemon + runners', median(embly.total).toFixed(1), embly.total.map((n) => n.toFixed(1)).join(' ')],
      ['  daemon', median(embly.daemon).toFixed(1), embly.daemon.map((n) => n.toFixed(1)).join(' ')],
      ['  runners', median(embly.runners).toFixed(1), embly.runners.map((n) => n.toFixed(1)).join(' ')],
      ['process per instance', median(processes).toFixed(1), processes.map((n) => n.toFixed(1)).join(' ')],
      ['ratio', `${figures[0]!.ratio!.toFixed(2)}×`, ''],
    ]));
    console.log(`\nramp (one spawner, targets up to ${rampTo}):`);
    console.log(table([
      ['asked', 'spawned', 'running', 'errno', 'daemon PSS MiB', 'all PSS below MiB', 'processes below', 'daemon fds', 'the two most mappings of one'],
      ...steps.map((s) => [String(s.asked), String(s.count), String(s.live), String(s.errno), (s.footprint.daemon / MiB).toFixed(0), (s.footprint.processes / MiB).toFixed(0), String(s.footprint.runners), String(s.footprint.daemonFds), s.footprint.mostMappings.join(', ')]),
    ]));
    console.log(`(vm.max_map_count is ${maxMapCount()}: a process cannot hold more mappings)`);
    console.log(`most concurrent sleeping instances: ${reached} (goal 10,000: ${reached >= 10_000 ? 'met' : 'NOT met'}); what stopped the ramp: ${stopped}`);
    console.log(`rerun: ${command}`);
    writeJson(common, 'idle', figures);
    return 0; // a goal missed is a finding (printed, and goal.met in --json), not a failed run
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
