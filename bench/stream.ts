// The streaming benchmark (run by hand, not in CI): bytes through a TCP
// gateway and back, with flow control (docs/protocol.md, CREDIT) on every hop,
// against a plain Node TCP echo server (`socket.pipe(socket)`), in one run:
// both servers run the whole time and are measured in alternating rounds.
//
// One connection sends --mib MiB in 64 KiB writes, honouring backpressure,
// while it reads the echo; a round ends when the last byte is back. Reported:
// MB/s (bytes each way over wall time) and the servers' CPU per MiB, medians
// of the rounds. bench/README.md explains how to run it.
//
//   node dist/bench/stream.js [--mib N] [--rounds K] [--json FILE] (--help)

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WINDOW_BYTES } from '../src/master/frames.js';
import { BenchError, runBench } from './cli.js';
import { buildBenchProject, serverCpuSeconds, ServerProcess } from './server-process.js';

const USAGE = `usage: node dist/bench/stream.js [options]

  --mib N       MiB sent (and echoed) per round (default 256)
  --rounds K    rounds per server, alternating (default 5)
  --json FILE   also write every measurement to FILE
  --help        show this text`;

const MiB = 1 << 20;
const CHUNK = 64 * 1024;

interface Round { target: string; seconds: number; cpuSeconds: number; ownCpuSeconds: number; }

/** Sends `bytes` through an echo at `port` and reads them back; resolves with the wall seconds. */
function echoThrough(port: number, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK, 0x61);
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint();
    let sent = 0;
    let received = 0;
    const socket = connect(port, '127.0.0.1', () => pump());
    const pump = () => {
      while (sent < bytes) {
        sent += CHUNK;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received < bytes) return;
      socket.destroy();
      resolve(Number(process.hrtime.bigint() - begin) / 1e9);
    });
    socket.on('error', reject);
    socket.on('close', () => { if (received < bytes) reject(new BenchError(`the echo closed after ${received} of ${bytes} bytes`, 1)); });
  });
}

async function measure(target: string, server: ServerProcess, bytes: number): Promise<Round> {
  const before = serverCpuSeconds(server.pid);
  const seconds = await echoThrough(server.ports.echo!, bytes);
  const after = serverCpuSeconds(server.pid);
  const own = after.own - before.own;
  return { target, seconds, ownCpuSeconds: own, cpuSeconds: own + after.runners - before.runners };
}

const median = (values: number[]) => Float64Array.from(values).sort()[Math.floor((values.length - 1) / 2)]!;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '5' }, json: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const mib = Number(values.mib);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(mib) || mib < 1 || !Number.isInteger(rounds) || rounds < 1) throw new BenchError(`--mib and --rounds are positive integers\n${USAGE}`);
  const bytes = mib * MiB;
  console.log(`Streaming benchmark: ${mib} MiB each way per round, ${rounds} rounds per server, one connection, 64 KiB writes; ` +
    `flow-control window ${WINDOW_BYTES / 1024} KiB\n  ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ` +
    `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
  await buildBenchProject();

  const work = await mkdtemp(join(tmpdir(), 'embly-bench-stream-'));
  const servers: ServerProcess[] = [];
  try {
    const plain = await ServerProcess.start('plain', ['plain'], work, []);
    servers.push(plain);
    const embly = await ServerProcess.start('embly', ['embly'], work, []);
    servers.push(embly);
    const targets: [string, ServerProcess][] = [['plain Node TCP echo', plain], ['Embly TCP gateway → echo.wat', embly]];
    for (const [, server] of targets) await echoThrough(server.ports.echo!, 16 * MiB); // warm up
    const results: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const [name, server] = targets[(round + i) % targets.length]!;
        const r = await measure(name, server, bytes);
        results.push(r);
        process.stderr.write(`  round ${round + 1}/${rounds} ${name.padEnd(30)} ${(bytes / MiB / r.seconds).toFixed(0).padStart(6)} MiB/s  ` +
          `${((r.cpuSeconds * 1e6) / mib).toFixed(0)} µs CPU/MiB\n`);
      }
    }
    console.log('\ntarget                          MiB/s   vs plain   server CPU µs/MiB   of which Node');
    const plainRate = median(results.filter((r) => r.target === targets[0]![0]).map((r) => mib / r.seconds));
    for (const [name] of targets) {
      const mine = results.filter((r) => r.target === name);
      const rate = median(mine.map((r) => mib / r.seconds));
      console.log(`${name.padEnd(30)} ${rate.toFixed(0).padStart(6)}   ${(rate / plainRate).toFixed(2).padStart(7)}×   ` +
        `${median(mine.map((r) => (r.cpuSeconds * 1e6) / mib)).toFixed(0).padStart(17)}   ${median(mine.map((r) => (r.ownCpuSeconds * 1e6) / mib)).toFixed(0).padStart(13)}`);
    }
    console.log(`  medians of ${rounds} rounds; MiB/s counts the bytes one way. load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
    if (values.json) await writeFile(values.json, JSON.stringify({ date: new Date().toISOString(), mib, rounds, window: WINDOW_BYTES, results }, null, 2));
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
