// The compute benchmark (run by hand, not in CI): each C program in
// bench/compute/ is built three ways and run, interleaved, K times each way:
//
//   native   gcc -O2 -ffp-contract=off                 the yardstick
//   embly    clang --target=wasm32-wasi -O2 -> compileAot -> embly-runner exec
//   v8       the same .wasm under node:wasi in a child `node`
//   unpreempted  embly built to be never preempted: what preemption costs is embly / this
//   split    embly with its C in 2 compile units (src/compile/compile-units.ts): split / embly
//            is what splitting costs the run-time code (embly is built in one unit here)
//
// Every program times its own kernel and prints a check value; all runs of a
// program must print the same check value, or this exits 1. The goal
// (docs/benchmarks.md): embly ≤ 1.25 × native and faster than V8.
//
//   node dist/bench/compute.js [--runs K] [--scale S] [--only a,b] [--keep]
//                              [--json FILE] [--node-flags=...] [--check-goal]

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, parseArgs } from 'node:util';
import { AOT_LDLIBS, aotCflags, compileAot } from '../src/compile/aot.js';
import { packageRoot, runnerBinary } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';

const run = promisify(execFile);

const GOAL_VS_NATIVE = 1.25;
const GOAL_VS_V8 = 1.0;

const USAGE = `usage: node dist/bench/compute.js [options]

  --runs K          runs of each variant of each program (default 5)
  --scale S         multiply every program's work by S (default 1; 0.1 for a quick look)
  --only NAMES      comma-separated programs to run (default: all in bench/compute/)
  --node-flags=F    extra flags for the child node of the V8 variant, e.g. --node-flags=--no-liftoff
  --json FILE       also write every measurement to FILE
  --keep            keep the build directory (wasm, native binaries, AOT objects)
  --check-goal      exit 3 if embly misses the goal (≤ ${GOAL_VS_NATIVE} × native, < ${GOAL_VS_V8} × V8, median cpu time)
                    on any program
  --help            show this text

exit status: 0 done, 1 a build or run failed or the variants disagree, 2 bad usage or a missing tool,
3 goal missed (with --check-goal)`;

// -ffp-contract=off: wasm never fuses a*b+c into one rounding; where FMA is in
// the baseline ISA (aarch64) gcc would, and the native results would differ.
const NATIVE_CFLAGS = ['-O2', '-ffp-contract=off'];
const WASM_CFLAGS = ['--target=wasm32-wasi', '-O2'];

const VARIANTS = ['native', 'embly', 'v8', 'unpreempted', 'split'] as const;
/** The compile units of the `split` variant (src/compile/compile-units.ts): the same module, its C in parts. */
const SPLIT_UNITS = 2;
const GOAL_PREEMPTION = 1.03;
type Variant = (typeof VARIANTS)[number];

/** One line a program prints: `embly-bench NAME kernel_ns=N cpu_ns=M check=HEX`. */
interface Sample { kernelNs: number; cpuNs: number; check: string; processMs: number; }

interface Program {
  name: string;
  source: string;
  wasm: string;
  native: string;
  object: string;
  unpreemptedObject: string;
  splitObject: string;
  wasmSha256: string;
  samples: Record<Variant, Sample[]>;
}

interface Options {
  runs: number; scale: string; only: string[] | null; nodeFlags: string[]; json: string | null;
  keep: boolean; checkGoal: boolean;
}



const RESULT_LINE = /embly-bench (\S+) kernel_ns=(\d+) cpu_ns=(\d+) check=(\S+)/;
// The runner logs a guest's fd 1 to stderr as `[function address] line`.
const RUNNER_LOG_LINE = /^\[(\S+) [0-9a-f]{16}\] (embly-bench .*)$/m;

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      scale: { type: 'string', default: '1' },
      only: { type: 'string' },
      'node-flags': { type: 'string', default: '' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'check-goal': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

function parseOptions(argv: string[]): Options | null {
  let values: ReturnType<typeof parseCommandLine>['values'];
  try {
    ({ values } = parseCommandLine(argv));
  } catch (e) {
    throw new BenchError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return null;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError(`--runs must be a positive integer, not ${values.runs}`);
  if (!(Number(values.scale) > 0)) throw new BenchError(`--scale must be a positive number, not ${values.scale}`);
  return {
    runs,
    scale: values.scale,
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    nodeFlags: values['node-flags'].split(/\s+/).filter(Boolean),
    json: values.json ?? null,
    keep: values.keep,
    checkGoal: values['check-goal'],
  };
}

// ---------------------------------------------------------------- building

async function requireTool(command: string, args: string[], install: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args);
    return (stdout || stderr).split('\n')[0]!.trim();
  } catch {
    throw new BenchError(`${command} is missing: ${install}`);
  }
}

async function buildProgram(name: string, sourceDir: string, work: string): Promise<Program> {
  const source = join(sourceDir, `${name}.c`);
  const wasm = join(work, `${name}.wasm`);
  const native = join(work, `${name}.native`);
  const compile = (command: string, args: string[]) =>
    run(command, args, { cwd: sourceDir, maxBuffer: 16 << 20 }).catch((e: { stderr?: string }) => {
      throw new BenchError(`${command} failed on ${name}.c:\n${e.stderr ?? e}`, 1);
    });
  await Promise.all([
    compile('clang', [...WASM_CFLAGS, '-Wall', '-o', wasm, source]),
    compile('gcc', [...NATIVE_CFLAGS, '-Wall', '-o', native, source, '-lm']),
  ]);
  const bytes = await readFile(wasm);
  const aot = await compileAot({ wasm: bytes, cacheDir: join(work, 'objects'), functionName: name, units: 1 });
  const unpreempted = await compileAot({ wasm: bytes, cacheDir: join(work, 'objects'), functionName: name, preemption: 'none' });
  const split = await compileAot({ wasm: bytes, cacheDir: join(work, 'objects'), functionName: name, units: SPLIT_UNITS });
  const samples = { native: [], embly: [], v8: [], unpreempted: [], split: [] };
  return { name, source, wasm, native, object: aot.objectPath, unpreemptedObject: unpreempted.objectPath, splitObject: split.objectPath, wasmSha256: aot.sidecar.wasmSha256, samples };
}

// ----------------------------------------------------------------- running

interface Finished { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number; }

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
}

const nodeWasiScript = fileURLToPath(new URL('./node-wasi.js', import.meta.url));

async function runVariant(program: Program, variant: Variant, options: Options): Promise<Sample> {
  const scaleEnv = { BENCH_SCALE: options.scale };
  let finished: Finished;
  let line: string | undefined;
  switch (variant) {
    case 'native':
      finished = await runProcess(program.native, [], { ...process.env, ...scaleEnv });
      line = finished.stdout;
      break;
    case 'embly':
    case 'unpreempted':
    case 'split':
      finished = await runProcess(runnerBinary, ['exec', program.name, '--fn', program.name,
        { embly: program.object, unpreempted: program.unpreemptedObject, split: program.splitObject }[variant], program.wasmSha256,
        '--timeout-ms', '0', '--env', `BENCH_SCALE=${options.scale}`], process.env);
      line = RUNNER_LOG_LINE.exec(finished.stderr)?.[2];
      break;
    case 'v8':
      finished = await runProcess(process.execPath, ['--no-warnings', ...options.nodeFlags, nodeWasiScript, program.wasm, program.name],
        { ...process.env, ...scaleEnv });
      line = finished.stdout;
      break;
  }
  const match = line === undefined ? null : RESULT_LINE.exec(line);
  if (finished.code !== 0 || !match || match[1] !== program.name) {
    const how = finished.signal ? `signal ${finished.signal}` : `exit status ${finished.code}`;
    throw new BenchError(`${program.name} (${variant}) failed: ${how}, ${match ? 'wrong program name' : 'no result line'}\n` +
      `--- stdout\n${finished.stdout}--- stderr\n${finished.stderr}`, 1);
  }
  return { kernelNs: Number(match[2]), cpuNs: Number(match[3]), check: match[4]!, processMs: finished.ms };
}

/** K rounds; in each, every program runs once per variant, in a rotating order. */
async function measure(programs: Program[], options: Options): Promise<void> {
  for (let round = 0; round < options.runs; round++) {
    for (const [p, program] of programs.entries()) {
      for (let v = 0; v < VARIANTS.length; v++) {
        const variant = VARIANTS[(round + p + v) % VARIANTS.length]!;
        const sample = await runVariant(program, variant, options);
        program.samples[variant].push(sample);
        process.stderr.write(`  run ${round + 1}/${options.runs} ${program.name.padEnd(8)} ${variant.padEnd(6)} ` +
          `${ms(sample.kernelNs).padStart(9)} ms kernel  ${ms(sample.cpuNs).padStart(9)} ms cpu\n`);
      }
    }
  }
}

// --------------------------------------------------------------- reporting

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (ns: number) => (ns / 1e6).toFixed(1);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

interface Summary { wall: Record<Variant, number>; cpu: Record<Variant, number>; }

function summarize(program: Program): Summary {
  const pick = (f: (s: Sample) => number) =>
    Object.fromEntries(VARIANTS.map((v) => [v, median(program.samples[v].map(f))])) as Record<Variant, number>;
  return { wall: pick((s) => s.kernelNs), cpu: pick((s) => s.cpuNs) };
}

/** The distinct check values a program printed, with where each came from. */
function disagreements(program: Program): string[] {
  const seen = new Map<string, string[]>();
  for (const v of VARIANTS)
    program.samples[v].forEach((s, i) => {
      const where = seen.get(s.check) ?? [];
      where.push(`${v}#${i + 1}`);
      seen.set(s.check, where);
    });
  return seen.size <= 1 ? [] : [...seen].map(([check, where]) => `${check}  from ${where.join(' ')}`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function report(program: Program, summary: Summary): string {
  const rows = [['variant', 'kernel ms (median)', 'min', 'max', 'cpu ms (median)', 'process ms (median)']];
  for (const v of VARIANTS) {
    const wall = program.samples[v].map((s) => s.kernelNs);
    rows.push([v, ms(summary.wall[v]), ms(Math.min(...wall)), ms(Math.max(...wall)), ms(summary.cpu[v]),
      median(program.samples[v].map((s) => s.processMs)).toFixed(0)]);
  }
  const { wall, cpu } = summary;
  return `${program.name}  (check ${program.samples.native[0]!.check})\n${table(rows)}\n` +
    `  embly/native ${ratio(wall.embly, wall.native)} kernel, ${ratio(cpu.embly, cpu.native)} cpu   (goal ≤ ${GOAL_VS_NATIVE}×)\n` +
    `  embly/v8     ${ratio(wall.embly, wall.v8)} kernel, ${ratio(cpu.embly, cpu.v8)} cpu   (goal < ${GOAL_VS_V8}×)\n` +
    `  v8/native    ${ratio(wall.v8, wall.native)} kernel, ${ratio(cpu.v8, cpu.native)} cpu\n` +
    `  preemption   ${ratio(wall.embly, wall.unpreempted)} kernel, ${ratio(cpu.embly, cpu.unpreempted)} cpu   (embly/unpreempted, goal ≤ ${GOAL_PREEMPTION}×)\n` +
    `  split        ${ratio(wall.split, wall.embly)} kernel, ${ratio(cpu.split, cpu.embly)} cpu   (${SPLIT_UNITS} compile units / one unit, goal ≤ 1.00×)\n`;
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

// -------------------------------------------------------------------- main

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const sourceDir = join(packageRoot, 'bench', 'compute');
  const available = (await readdir(sourceDir)).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  const names = options.only ?? available;
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) throw new BenchError(`no such program: ${unknown.join(', ')} (have ${available.join(', ')})`);
  if (!existsSync(runnerBinary)) throw new BenchError(`${runnerBinary} is missing: build it with \`npx cmake-js compile --out build/native\``);

  const [clang, gcc] = await Promise.all([
    requireTool('clang', ['--version'], 'apt-get install clang lld wasi-libc libclang-rt-dev-wasm32'),
    requireTool('gcc', ['--version'], 'apt-get install gcc'),
  ]);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`compute benchmark: ${options.runs} runs per variant, scale ${options.scale}\n` +
    `  ${cpus().length} × ${cpu}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start\n` +
    `  native: ${gcc}, ${NATIVE_CFLAGS.join(' ')}\n  wasm:   ${clang}, ${WASM_CFLAGS.join(' ')}\n` +
    `  embly:  wasm2c + cc ${aotCflags().join(' ')} ${AOT_LDLIBS.join(' ')}\n  v8:     node ${process.version} ${options.nodeFlags.join(' ')}\n`);

  const work = await mkdtemp(join(tmpdir(), 'embly-bench-'));
  try {
    const started = performance.now();
    const programs: Program[] = [];
    for (const name of names) programs.push(await buildProgram(name, sourceDir, work));
    process.stderr.write(`built ${programs.length} programs three ways in ${((performance.now() - started) / 1000).toFixed(1)} s (${work})\n`);

    await measure(programs, options);

    let failed = false;
    let missed = false;
    const ratios = { wallNative: [] as number[], wallV8: [] as number[], cpuNative: [] as number[], cpuV8: [] as number[], cpuPreemption: [] as number[], cpuSplit: [] as number[] };
    const summaries = new Map<string, Summary>();
    for (const program of programs) {
      const bad = disagreements(program);
      if (bad.length) {
        failed = true;
        console.log(`${program.name}: RESULTS DISAGREE\n  ${bad.join('\n  ')}\n`);
        continue;
      }
      const summary = summarize(program);
      summaries.set(program.name, summary);
      console.log(report(program, summary));
      const { wall, cpu: cpuTime } = summary;
      ratios.wallNative.push(wall.embly / wall.native);
      ratios.wallV8.push(wall.embly / wall.v8);
      ratios.cpuNative.push(cpuTime.embly / cpuTime.native);
      ratios.cpuV8.push(cpuTime.embly / cpuTime.v8);
      ratios.cpuPreemption.push(cpuTime.embly / cpuTime.unpreempted);
      ratios.cpuSplit.push(cpuTime.split / cpuTime.embly);
      // Judged on CPU time: on a shared machine wall time mostly measures the neighbours.
      missed ||= cpuTime.embly / cpuTime.native > GOAL_VS_NATIVE || cpuTime.embly / cpuTime.v8 >= GOAL_VS_V8;
    }
    if (ratios.wallNative.length > 1) {
      const g = (xs: number[]) => `${geomean(xs).toFixed(2)}×`;
      console.log(`geometric mean over ${ratios.wallNative.length} programs: ` +
        `embly/native ${g(ratios.wallNative)} kernel, ${g(ratios.cpuNative)} cpu; ` +
        `embly/v8 ${g(ratios.wallV8)} kernel, ${g(ratios.cpuV8)} cpu; ` +
        `preemption (embly/unpreempted) ${g(ratios.cpuPreemption)} cpu; split (${SPLIT_UNITS} units/one) ${g(ratios.cpuSplit)} cpu`);
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end` +
      (loadavg()[0]! > cpus().length * 0.5 ? ' — the machine is busy: compare medians, and prefer the cpu column' : ''));

    if (options.json) {
      await writeFile(options.json, JSON.stringify({
        date: new Date().toISOString(), cpu, cores: cpus().length, node: process.version, gcc, clang, aotCflags: aotCflags(),
        runs: options.runs, scale: options.scale, nodeFlags: options.nodeFlags,
        programs: programs.map((p) => ({ name: p.name, samples: p.samples, medians: summaries.get(p.name) ?? null })),
      }, null, 2));
    }
    if (failed) {
      console.error('FAILED: the variants do not compute the same results (see above)');
      return 1;
    }
    if (options.checkGoal && missed) {
      console.error(`goal missed: embly must be ≤ ${GOAL_VS_NATIVE}× native and faster than V8 on every program`);
      return 3;
    }
    return 0;
  } finally {
    if (options.keep) process.stderr.write(`kept ${work}\n`);
    else await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
