// How long starting a runner blocks Node's event loop, and what it costs in
// CPU, for the addon's spawnRunner (clone(CLONE_VM|CLONE_VFORK)) against
// baselines measured in the same run: Node's own child_process.spawn and,
// given --baseline-addon, another build of the addon (e.g. the fork-based one
// from before). See bench/README.md, "spawn".
import { spawn as spawnChild } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { nativeBin } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';

/** The part of the addon's exports this driver uses (src/native/index.ts has the full shape). */
interface SpawningAddon {
  spawnRunner(
    options: { file: string; argv: string[]; stdio: ['null', 'null', 'null']; maxOpenFiles: number },
    onExit: (report: { exitCode: number | null; rusage: { userCpuMicros: number; systemCpuMicros: number } }) => void,
  ): { pid: number } | { error: { step: string; errno: number } };
}

/** One way of starting a process: calls `start` synchronously, resolves with the child's CPU µs once it exited. */
interface Variant {
  name: string;
  start(file: string, args: string[]): Promise<number>;
}

interface Sample { blockedNs: number[]; nodeCpuMicros: number; childCpuMicros: number; spawns: number }

function addonVariant(name: string, path: string): Variant {
  if (!existsSync(path)) throw new BenchError(`no addon at ${path}`);
  const addon = createRequire(import.meta.url)(path) as SpawningAddon;
  return {
    name,
    start(file, args) {
      return new Promise((resolveExit, reject) => {
        const result = addon.spawnRunner({ file, argv: [file, ...args], stdio: ['null', 'null', 'null'], maxOpenFiles: 32 }, (report) => {
          resolveExit(report.rusage.userCpuMicros + report.rusage.systemCpuMicros);
        });
        if ('error' in result) reject(new BenchError(`${name}: ${result.error.step} failed (errno ${result.error.errno})`, 1));
      });
    },
  };
}

// child_process does not report a child's rusage: its child CPU column stays 0.
const childProcessVariant: Variant = {
  name: 'child_process.spawn',
  start(file, args) {
    return new Promise((resolveExit, reject) => {
      const child = spawnChild(file, args, { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', () => resolveExit(0));
    });
  },
};

/** Starts `count` children one after the other, timing each synchronous call, then waits for them all. */
async function block(variant: Variant, file: string, args: string[], count: number): Promise<Sample> {
  const blockedNs: number[] = [];
  const exits: Promise<number>[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const before = process.hrtime.bigint();
    exits.push(variant.start(file, args));
    blockedNs.push(Number(process.hrtime.bigint() - before));
  }
  const childCpu = await Promise.all(exits);
  const cpu = process.cpuUsage(cpuBefore);
  return { blockedNs, nodeCpuMicros: cpu.user + cpu.system, childCpuMicros: childCpu.reduce((a, b) => a + b, 0), spawns: count };
}

/** Makes this process as large as a daemon: `mib` MiB of touched heap outside V8's. */
function ballast(mib: number): Buffer[] {
  return Array.from({ length: mib }, () => Buffer.alloc(1 << 20, 1));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(samples: Sample[]): { p50: number; p99: number; max: number; nodeCpu: number; childCpu: number } {
  const blocked = samples.flatMap((s) => s.blockedNs).sort((a, b) => a - b);
  const spawns = samples.reduce((n, s) => n + s.spawns, 0);
  return {
    p50: percentile(blocked, 50) / 1000,
    p99: percentile(blocked, 99) / 1000,
    max: blocked[blocked.length - 1]! / 1000,
    nodeCpu: samples.reduce((n, s) => n + s.nodeCpuMicros, 0) / spawns,
    childCpu: samples.reduce((n, s) => n + s.childCpuMicros, 0) / spawns,
  };
}

function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / (1 << 20));
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      spawns: { type: 'string', default: '400' },
      block: { type: 'string', default: '20' },
      'heap-mib': { type: 'string', default: '100' },
      program: { type: 'string' },
      'baseline-addon': { type: 'string' },
    },
  });
  const spawns = Number(values.spawns);
  const blockSize = Number(values.block);
  const heapMib = Number(values['heap-mib']);
  if (![spawns, blockSize, heapMib].every((n) => Number.isInteger(n) && n >= 0) || blockSize === 0)
    throw new BenchError('--spawns, --block and --heap-mib take whole numbers (--block at least 1)');

  // The real runner, which exits at once (64, usage) when given no mode.
  const file = resolve(values.program ?? join(nativeBin, 'embly-runner'));
  if (!existsSync(file)) throw new BenchError(`no program at ${file} (build it: npx cmake-js compile --out build/native)`);
  const variants: Variant[] = [addonVariant('addon (this build)', join(nativeBin, 'embly_native.node'))];
  if (values['baseline-addon']) variants.push(addonVariant('addon (baseline)', resolve(values['baseline-addon'])));
  variants.push(childProcessVariant);

  const loadBefore = loadavg()[0]!;
  const kept = ballast(heapMib);
  for (const variant of variants) await block(variant, file, [], blockSize); // warm-up: code paths, pages
  const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  // Blocks in a rotating order, so drift in machine load spreads over all variants.
  for (let round = 0; round * blockSize < spawns; round++)
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length]!;
      samples.get(variant)!.push(await block(variant, file, [], blockSize));
    }

  console.log(`spawn: ${spawns} spawns per variant of ${file}, in blocks of ${blockSize}; Node RSS ${rssMiB()} MiB (ballast ${kept.length} MiB); load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
  console.log('variant                 blocked µs p50     p99     max   Node CPU µs/spawn  child CPU µs/spawn');
  const first = summarize(samples.get(variants[0]!)!);
  for (const variant of variants) {
    const s = summarize(samples.get(variant)!);
    const ratio = variant === variants[0] ? '' : `   (${(s.p50 / first.p50).toFixed(1)}× the blocking, ${(s.nodeCpu / first.nodeCpu).toFixed(1)}× the CPU of this build)`;
    console.log(`${variant.name.padEnd(22)} ${s.p50.toFixed(0).padStart(14)} ${s.p99.toFixed(0).padStart(7)} ${s.max.toFixed(0).padStart(7)} ${s.nodeCpu.toFixed(0).padStart(18)} ${s.childCpu.toFixed(0).padStart(19)}${ratio}`);
  }
  return 0;
}

runBench(main);
