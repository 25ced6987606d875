// bench/aot.ts: how long the AOT step (wasm2c + cc, src/compile/aot.ts) takes
// on a cold cache, in one compile unit against split in units compiled in
// parallel (src/compile/compile-units.ts), in the same run, interleaved:
//   node dist/bench/aot.js [--runs N] [--wasm FILE] [--units N] [--json FILE]
// Without --wasm it builds examples/hello-rust (cargo). A third variant,
// `parts cached`, is the split build of a function whose parts are all in
// the parts cache already (the same module under another name): what an
// unchanged part costs.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileAot } from '../src/compile/aot.js';
import { unitsFor } from '../src/compile/compile-units.js';
import { compileToWasm } from '../src/compile/toolchains/index.js';
import { loadWasmModule, type WasmModule } from '../src/compile/wasm-module.js';
import { packageRoot, sdkDir } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';
import type { BenchFigure, BenchFile } from './figures.js';

const GOAL_MS = 1000;
const VARIANTS = ['one unit', 'split', 'parts cached'] as const;
type Variant = (typeof VARIANTS)[number];

async function helloRust(work: string): Promise<WasmModule> {
  const { module } = await compileToWasm({ name: 'hello-rust', language: 'rust', sourcePath: join(packageRoot, 'examples', 'hello-rust'), outDir: work, sdkDir });
  return module;
}

/** CPU time of this process's finished children (wasm2c, cc), ms: cutime + cstime of /proc/self/stat, in ticks of 10 ms. */
async function childrenCpuMs(): Promise<number> {
  const fields = (await readFile('/proc/self/stat', 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // fields 16 and 17 of proc(5), after pid and comm
}

interface Step { wallMs: number; cpuMs: number; }

/** One cold AOT step: wall time, and the CPU time of the tools it ran. On a
 * shared machine the wall time mostly measures the neighbours: the CPU time
 * (over the cores) is the steadier figure. */
async function timeStep(module: WasmModule, variant: Variant, units: number, round: number): Promise<Step> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'embly-bench-aot-'));
  try {
    const split = variant === 'one unit' ? 1 : units;
    if (variant === 'parts cached') await compileAot({ wasm: module, cacheDir, functionName: `warm-${round}`, units: split });
    const [started, cpuBefore] = [performance.now(), await childrenCpuMs()];
    await compileAot({ wasm: module, cacheDir, functionName: `bench-${round}`, units: split });
    return { wallMs: performance.now() - started, cpuMs: (await childrenCpuMs()) - cpuBefore };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' }, wasm: { type: 'string' }, units: { type: 'string' }, json: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs must be a whole number from 1 up');
  const work = await mkdtemp(join(tmpdir(), 'embly-bench-aot-src-'));
  try {
    const module = values.wasm ? await loadWasmModule(await readFile(values.wasm)) : await helloRust(work);
    const units = values.units ? Number(values.units) : unitsFor(module.bytes.length);
    if (units < 2) throw new BenchError(`the module (${module.bytes.length} bytes) is built in one unit: give --units N to split it`);
    console.log(`AOT step of ${values.wasm ?? 'examples/hello-rust'} (${module.bytes.length} bytes): one unit vs ${units} units, ${availableParallelism()} cores, ${runs} runs`);
    const samples = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    const cpu = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    for (let round = 0; round < runs; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(round + i) % VARIANTS.length]!;
        const step = await timeStep(module, variant, units, round);
        samples[variant].push(step.wallMs);
        cpu[variant].push(step.cpuMs);
        process.stderr.write(`  run ${round + 1}/${runs} ${variant.padEnd(12)} ${step.wallMs.toFixed(0).padStart(6)} ms wall ${step.cpuMs.toFixed(0).padStart(6)} ms cpu\n`);
      }
    }
    const one = median(samples['one unit']);
    for (const v of VARIANTS) {
      console.log(`  ${v.padEnd(12)} ${median(samples[v]).toFixed(0).padStart(6)} ms wall (median, ${(median(samples[v]) / one).toFixed(2)}× one unit)  ` +
        `${median(cpu[v]).toFixed(0).padStart(6)} ms cpu of wasm2c and cc`);
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}${loadavg()[0]! > availableParallelism() ? ': the machine is busy, wall times measure the neighbours' : ''}`);
    if (values.json) await writeFile(values.json, JSON.stringify(figures(samples, runs, units, values.wasm), null, 2));
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function figures(samples: Record<Variant, number[]>, runs: number, units: number, wasm?: string): BenchFile {
  const one = median(samples['one unit']);
  const command = `node dist/bench/aot.js --runs ${runs}${wasm ? ` --wasm ${wasm}` : ''}`;
  const row = (v: Variant, figure: string, goal?: boolean): BenchFigure => ({
    section: 'AOT step', figure, value: median(samples[v]), unit: 'ms', runs: samples[v], command,
    ...(v === 'one unit' ? {} : { baseline: { name: 'one unit', value: one }, ratio: median(samples[v]) / one }),
    ...(goal ? { goal: { text: `under ${GOAL_MS} ms on 2 cores`, met: median(samples[v]) < GOAL_MS } } : {}),
  });
  return {
    bench: 'aot', date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, loadAverage: loadavg() },
    figures: [row('one unit', 'cold AOT step, one unit'), row('split', `cold AOT step, ${units} units in parallel`, true),
      row('parts cached', `AOT step, ${units} units, every part cached`)],
  };
}

runBench(main);
