// Function → function round trips through the master, against a raw pipe round
// trip between two processes, measured in the same run, interleaved. See
// bench/README.md, "roundtrip".
//
//   node dist/bench/roundtrip.js [--quick] [--runs K] [--trips N] [--json FILE]
//
// The Embly side is bench/functions/roundtrip.wat, started over a TCP gateway
// of a real daemon (bench/http-server.ts): it spawns `echo` and times each
// 16-byte round trip inside the guest (CLOCK_MONOTONIC), so the figure is the
// path runner → daemon → echo's runner → daemon → runner and nothing of the
// gateway. The baseline (bench/baselines/pipes.c) times the same 16 bytes to a
// forked echo process and back through two pipes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BenchError, runBench } from './cli.js';
import { figureOf, type BenchFigure } from './figures.js';
import { buildPipes } from './pipes.js';
import { median, percentile } from './proc.js';
import { parseOptions, rerunCommand, table, wholeNumber, writeJson } from './report.js';
import { buildBenchProject, ServerProcess } from './server-process.js';

const run = promisify(execFile);

/** Durations (ns) from a buffer of u64 little-endian values. */
function durations(bytes: Buffer): number[] {
  return Array.from({ length: bytes.length >> 3 }, (_, i) => Number(bytes.readBigUInt64LE(i * 8)));
}

/** N round trips inside the `roundtrip` function, reached on its TCP gateway. */
function emblyTrips(port: number, trips: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      const request = Buffer.alloc(4);
      request.writeUInt32LE(trips);
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e) => reject(new BenchError(`the roundtrip function's connection: ${e.message}`, 1)));
    socket.on('close', () => {
      const samples = durations(Buffer.concat(chunks));
      if (samples.length !== trips) reject(new BenchError(`the roundtrip function answered ${samples.length} of ${trips} round trips (see the server log)`, 1));
      else resolve(samples);
    });
  });
}

async function pipeTrips(program: string, trips: number): Promise<number[]> {
  const { stdout } = await run(program, ['roundtrip', String(trips)], { encoding: 'buffer', maxBuffer: trips * 8 + 1024 });
  const samples = durations(stdout);
  // native byte order is little-endian on every machine Embly supports (x86-64, aarch64)
  if (samples.length !== trips) throw new BenchError(`pipes answered ${samples.length} of ${trips} round trips`, 1);
  return samples;
}

interface Side { name: string; trip: (trips: number) => Promise<number[]>; p50: number[]; p99: number[]; all: number[] }

async function main(argv: string[]): Promise<number> {
  const { common, values } = parseOptions(argv, { trips: { type: 'string' } }, 3, 7);
  const trips = wholeNumber(values.trips as string | undefined, '--trips', common.quick ? 2000 : 20_000);
  if (trips > 100_000) throw new BenchError('--trips is at most 100000 (the function keeps every duration in its memory)');
  const work = mkdtempSync(join(tmpdir(), 'embly-bench-roundtrip-'));
  await buildBenchProject();
  const program = await buildPipes(work);
  const server = await ServerProcess.start('embly', ['embly'], work, []);
  try {
    const port = server.ports.roundtrip;
    if (!port) throw new BenchError('the bench project has no gateway for the roundtrip function', 1);
    const sides: Side[] = [
      { name: 'fn → fn through the master', trip: (n) => emblyTrips(port, n), p50: [], p99: [], all: [] },
      { name: 'raw pipe, two processes', trip: (n) => pipeTrips(program, n), p50: [], p99: [], all: [] },
    ];
    for (const side of sides) await side.trip(Math.min(trips, 500)); // warm-up: pages, pools, caches
    for (let r = 0; r < common.runs; r++) {
      // Alternating order, so drift in the machine's load falls on both sides.
      for (const side of r % 2 ? [...sides].reverse() : sides) {
        const samples = (await side.trip(trips + 1)).slice(1); // the first waits for the child to start
        side.p50.push(percentile(samples, 50));
        side.p99.push(percentile(samples, 99));
        side.all.push(...samples);
      }
    }
    const [embly, pipe] = sides as [Side, Side];
    const command = rerunCommand('roundtrip', common, ['--trips', String(trips)]);
    const figures: BenchFigure[] = [
      figureOf({ section: 'Function → function', figure: 'round trip p50', unit: 'µs', runs: embly.p50.map((n) => n / 1e3), baseline: { name: 'raw pipe round trip p50', runs: pipe.p50.map((n) => n / 1e3) }, command }),
      figureOf({ section: 'Function → function', figure: 'round trip p99', unit: 'µs', runs: embly.p99.map((n) => n / 1e3), baseline: { name: 'raw pipe round trip p99', runs: pipe.p99.map((n) => n / 1e3) }, command }),
    ];
    console.log(`roundtrip: ${common.runs} runs of ${trips} round trips of 16 bytes per side, interleaved; medians of the runs' percentiles`);
    console.log(table([
      ['', 'p50 µs', 'p99 µs', 'all samples p50', 'p99'],
      ...sides.map((s) => [s.name, (median(s.p50) / 1e3).toFixed(1), (median(s.p99) / 1e3).toFixed(1), (percentile(s.all, 50) / 1e3).toFixed(1), (percentile(s.all, 99) / 1e3).toFixed(1)]),
      ['ratio', `${figures[0]!.ratio!.toFixed(2)}×`, `${figures[1]!.ratio!.toFixed(2)}×`, '', ''],
    ]));
    console.log(`rerun: ${command}`);
    writeJson(common, 'roundtrip', figures, sides.map((s) => ({ section: 'Function → function', name: s.name, samplesNs: s.all })));
    return 0;
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
