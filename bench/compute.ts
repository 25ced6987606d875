// The compute benchmark (run by hand, not in CI): each C program in
// bench/compute/ is built four ways and run, interleaved, K times each way:
//
//   native       gcc -O2 -ffp-contract=off               the yardstick
//   clang        clang -O2 -ffp-contract=off             the other native baseline
//   embly        clang --target=wasm32-wasi -O2 -> compileAot -> embly-runner exec
//   unpreempted  embly built to be never preempted: what preemption costs is embly / this
//   oneunit      embly with its C in one compile unit (embly splits a module of 16 KB or more,
//                src/compile/compile-units.ts): what splitting costs the run-time code is embly / this
//   v8           the same .wasm under node:wasi in a child `node`, default tiering
//   turbofan     the same, `node --no-liftoff`: TurboFan code only
//   baseline     (with --baseline DIR) embly as another built checkout compiles
//                and runs it: a code generation change measured against the
//                previous state in the same run
//
// Every program times its own kernel and prints a check value; all runs of a
// program must print the same check value, or this exits 1. The goal
// (docs/benchmarks.md): geometric mean of embly ≤ 1.10 × native and
// ≤ 0.90 × TurboFan, and no program above 1.25 × native.
//
//   node dist/bench/compute.js [--runs K] [--scale S] [--only a,b] [--keep]
//                              [--json FILE] [--node-flags=...] [--baseline DIR] [--check-goal]

import { execFile, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, parseArgs } from 'node:util';
import { AOT_LDLIBS, aotCflags, compileAot } from '../src/compile/aot.js';
import { packageRoot, runnerBinary } from '../src/paths.js';
import { WasmInvalidError } from '../src/errors.js';
import { BenchError, runBench } from './cli.js';

const run = promisify(execFile);

/** Every program: embly ≤ this × native (gcc). */
const GOAL_VS_NATIVE = 1.25;
/** The geometric means over all programs: embly ≤ these × native (gcc) and × TurboFan. */
const GOAL_MEAN_VS_NATIVE = 1.10;
const GOAL_MEAN_VS_TURBOFAN = 0.90;

const USAGE = `usage: node dist/bench/compute.js [options]

  --runs K          runs of each variant of each program (default 5)
  --scale S         multiply every program's work by S (default 1; 0.1 for a quick look)
  --only NAMES      comma-separated programs to run (default: all in bench/compute/)
  --node-flags=F    extra flags for the child node of both V8 variants, e.g. --node-flags=--max-old-space-size=64
  --json FILE       also write every measurement to FILE
  --keep            keep the build directory (wasm, native binaries, AOT objects)
  --variants NAMES  comma-separated variants to run (default: all; baseline only with --baseline)
                    of native, clang, embly, unpreempted, baseline, v8, turbofan
  --baseline DIR    also run a "baseline" variant: the AOT objects and runner of the embly checkout in DIR
                    (built: dist/ and build/native), to measure a code generation change against it
  --check-goal      exit 3 if embly misses the goal (median cpu time: every program ≤ ${GOAL_VS_NATIVE} × native,
                    geometric means ≤ ${GOAL_MEAN_VS_NATIVE} × native and ≤ ${GOAL_MEAN_VS_TURBOFAN} × TurboFan)
  --help            show this text

exit status: 0 done, 1 a build or run failed or the variants disagree, 2 bad usage or a missing tool,
3 goal missed (with --check-goal)`;

// -ffp-contract=off: wasm never fuses a*b+c into one rounding; where FMA is in
// the baseline ISA (aarch64) gcc would, and the native results would differ.
const NATIVE_CFLAGS = ['-O2', '-ffp-contract=off'];
const WASM_CFLAGS = ['--target=wasm32-wasi', '-O2'];
/** Programs written for SIMD: their wasm is built for simd128 (their native
 * builds get SSE2, the x86-64 baseline, from the same vector code). */
const EXTRA_WASM_CFLAGS: Record<string, string[]> = { simd: ['-msimd128'] };
const TURBOFAN_FLAGS = ['--no-liftoff'];

const VARIANTS = ['native', 'clang', 'embly', 'unpreempted', 'oneunit', 'baseline', 'v8', 'turbofan'] as const;
const EMBLY_VARIANTS: readonly Variant[] = ['embly', 'unpreempted', 'oneunit', 'baseline'];
const GOAL_PREEMPTION = 1.03;
type Variant = (typeof VARIANTS)[number];

/** One line a program prints: `embly-bench NAME kernel_ns=N cpu_ns=M check=HEX`. */
interface Sample { kernelNs: number; cpuNs: number; check: string; processMs: number; }

interface Program {
  name: string;
  source: string;
  wasm: string;
  native: string;
  nativeClang: string;
  /** Null when Embly cannot load this wasm (see `emblyMissing`). */
  embly: { object: string; unpreemptedObject: string; oneUnitObject: string; wasmSha256: string; baselineObject: string | null } | null;
  /** Why Embly has no figure for this program, e.g. "needs SIMD". */
  emblyMissing: string | null;
  samples: Record<Variant, Sample[]>;
}

interface Options {
  runs: number; scale: string; only: string[] | null; nodeFlags: string[]; json: string | null;
  keep: boolean; checkGoal: boolean;
  baseline: Baseline | null;
  variants: Variant[];
}

/** Another embly checkout, for the `baseline` variant. */
interface Baseline { dir: string; compileAot: typeof compileAot; runner: string; }



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
      baseline: { type: 'string' },
      variants: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
}

function parseVariants(text: string | undefined, baseline: boolean): Variant[] {
  const wanted = text ? text.split(',').map((s) => s.trim()).filter(Boolean) : VARIANTS.filter((v) => v !== 'baseline' || baseline);
  const unknown = wanted.filter((v) => !(VARIANTS as readonly string[]).includes(v));
  if (unknown.length) throw new BenchError(`no such variant: ${unknown.join(', ')} (have ${VARIANTS.join(', ')})`);
  if (wanted.includes('baseline') && !baseline) throw new BenchError('the baseline variant needs --baseline DIR');
  if (!wanted.includes('native')) throw new BenchError('--variants must include native: every ratio is taken against it');
  return wanted as Variant[];
}

async function loadBaseline(dir: string): Promise<Baseline> {
  const aot = join(dir, 'dist', 'src', 'compile', 'aot.js');
  const runner = join(dir, 'build', 'native', 'bin', 'embly-runner');
  if (!existsSync(aot) || !existsSync(runner)) throw new BenchError(`--baseline ${dir}: not a built embly checkout (no ${existsSync(aot) ? runner : aot})`);
  const module = (await import(pathToFileURL(aot).href)) as { compileAot: typeof compileAot };
  return { dir, compileAot: module.compileAot, runner };
}

async function parseOptions(argv: string[]): Promise<Options | null> {
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
    baseline: values.baseline ? await loadBaseline(values.baseline) : null,
    variants: parseVariants(values.variants, Boolean(values.baseline)),
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

async function buildProgram(name: string, sourceDir: string, work: string, baseline: Baseline | null): Promise<Program> {
  const source = join(sourceDir, `${name}.c`);
  const wasm = join(work, `${name}.wasm`);
  const native = join(work, `${name}.native`);
  const nativeClang = join(work, `${name}.clang`);
  const compile = (command: string, args: string[]) =>
    run(command, args, { cwd: sourceDir, maxBuffer: 16 << 20 }).catch((e: { stderr?: string }) => {
      throw new BenchError(`${command} failed on ${name}.c:\n${e.stderr ?? e}`, 1);
    });
  await Promise.all([
    compile('clang', [...WASM_CFLAGS, ...(EXTRA_WASM_CFLAGS[name] ?? []), '-Wall', '-o', wasm, source]),
    compile('gcc', [...NATIVE_CFLAGS, '-Wall', '-o', native, source, '-lm']),
    compile('clang', [...NATIVE_CFLAGS, '-Wall', '-o', nativeClang, source, '-lm']),
  ]);
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, []])) as unknown as Record<Variant, Sample[]>;
  const program = { name, source, wasm, native, nativeClang, embly: null, emblyMissing: null, samples };
  try {
    return { ...program, embly: await buildEmbly(name, await readFile(wasm), work, baseline) };
  } catch (e) {
    // Only a feature the loader does not implement yet is a missing figure; any other failure stops the run.
    if (!(e instanceof WasmInvalidError) || !EXTRA_WASM_CFLAGS[name]?.includes('-msimd128')) throw e;
    return { ...program, emblyMissing: 'needs SIMD' };
  }
}

async function buildEmbly(name: string, bytes: Uint8Array, work: string, baseline: Baseline | null): Promise<NonNullable<Program['embly']>> {
  const cacheDir = join(work, 'objects');
  const aot = await compileAot({ wasm: bytes, cacheDir, functionName: name });
  const unpreempted = await compileAot({ wasm: bytes, cacheDir, functionName: name, preemption: 'none' });
  const oneUnit = await compileAot({ wasm: bytes, cacheDir, functionName: name, units: 1 });
  const base = baseline ? await baseline.compileAot({ wasm: bytes, cacheDir: join(work, 'baseline-objects'), functionName: name }) : null;
  return { object: aot.objectPath, unpreemptedObject: unpreempted.objectPath, oneUnitObject: oneUnit.objectPath, wasmSha256: aot.sidecar.wasmSha256, baselineObject: base?.objectPath ?? null };
}

/** The variants that can run this program. */
function variantsOf(program: Program, options: Options): Variant[] {
  return options.variants.filter((v) => (v === 'baseline' ? program.embly?.baselineObject : program.embly || !EMBLY_VARIANTS.includes(v)));
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
    case 'clang':
      finished = await runProcess(variant === 'native' ? program.native : program.nativeClang, [], { ...process.env, ...scaleEnv });
      line = finished.stdout;
      break;
    case 'embly':
    case 'unpreempted':
    case 'oneunit':
    case 'baseline': {
      const embly = program.embly!;
      const object = { embly: embly.object, unpreempted: embly.unpreemptedObject, oneunit: embly.oneUnitObject, baseline: embly.baselineObject! }[variant];
      finished = await runProcess(variant === 'baseline' ? options.baseline!.runner : runnerBinary, ['exec', program.name, '--fn', program.name,
        object, embly.wasmSha256,
        '--timeout-ms', '0', '--env', `BENCH_SCALE=${options.scale}`], process.env);
      line = RUNNER_LOG_LINE.exec(finished.stderr)?.[2];
      break;
    }
    case 'v8':
    case 'turbofan':
      finished = await runProcess(process.execPath, ['--no-warnings', ...(variant === 'turbofan' ? TURBOFAN_FLAGS : []),
        ...options.nodeFlags, nodeWasiScript, program.wasm, program.name], { ...process.env, ...scaleEnv });
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
      const variants = variantsOf(program, options);
      for (let v = 0; v < variants.length; v++) {
        const variant = variants[(round + p + v) % variants.length]!;
        const sample = await runVariant(program, variant, options);
        program.samples[variant].push(sample);
        process.stderr.write(`  run ${round + 1}/${options.runs} ${program.name.padEnd(9)} ${variant.padEnd(11)} ` +
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
const times = (x: number) => `${x.toFixed(2)}×`;
const ratio = (a: number, b: number) => times(a / b);
const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/** Medians per variant; NaN for a variant that did not run. */
interface Summary { wall: Record<Variant, number>; cpu: Record<Variant, number>; }

function summarize(program: Program): Summary {
  const pick = (f: (s: Sample) => number) =>
    Object.fromEntries(VARIANTS.map((v) => [v, program.samples[v].length ? median(program.samples[v].map(f)) : NaN])) as Record<Variant, number>;
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
    const samples = program.samples[v];
    if (!samples.length) {
      if (program.emblyMissing && EMBLY_VARIANTS.includes(v)) rows.push([v, program.emblyMissing, '', '', '', '']);
      continue;
    }
    const wall = samples.map((s) => s.kernelNs);
    rows.push([v, ms(summary.wall[v]), ms(Math.min(...wall)), ms(Math.max(...wall)), ms(summary.cpu[v]),
      median(samples.map((s) => s.processMs)).toFixed(0)]);
  }
  const { wall, cpu } = summary;
  const line = (label: string, a: Variant, b: Variant, goal = '') => (Number.isNaN(cpu[a] / cpu[b]) ? '' :
    `  ${label.padEnd(18)} ${ratio(wall[a], wall[b])} kernel, ${ratio(cpu[a], cpu[b])} cpu${goal}\n`);
  const embly = program.embly
    ? line('embly/native', 'embly', 'native', `   (goal ≤ ${GOAL_VS_NATIVE}×)`) + line('embly/clang', 'embly', 'clang') +
      line('embly/turbofan', 'embly', 'turbofan') + line('embly/v8', 'embly', 'v8') +
      line('preemption', 'embly', 'unpreempted', `   (embly/unpreempted, goal ≤ ${GOAL_PREEMPTION}×)`) +
      line('embly/one unit', 'embly', 'oneunit') + line('embly/baseline', 'embly', 'baseline')
    : `  embly: ${program.emblyMissing} — no figure\n`;
  return `${program.name}  (check ${program.samples.native[0]!.check})\n${table(rows)}\n` + embly +
    line('turbofan/native', 'turbofan', 'native') + line('v8/native', 'v8', 'native') + line('clang/native', 'clang', 'native');
}

/** The ratios of median CPU times that the summary and the goal are made of. */
const RATIOS = {
  'embly/native': ['embly', 'native'], 'embly/clang': ['embly', 'clang'], 'embly/turbofan': ['embly', 'turbofan'],
  'embly/v8': ['embly', 'v8'], 'turbofan/native': ['turbofan', 'native'], 'v8/native': ['v8', 'native'],
  'clang/native': ['clang', 'native'], 'preemption': ['embly', 'unpreempted'], 'embly/one unit': ['embly', 'oneunit'], 'embly/baseline': ['embly', 'baseline'],
} as const satisfies Record<string, readonly [Variant, Variant]>;
type RatioName = keyof typeof RATIOS;

/** One row per program (median CPU ms and ratios), then the geometric means of each ratio. */
function summaryTable(programs: Program[], summaries: Map<string, Summary>): { text: string; means: Record<RatioName, number> } {
  const ran = VARIANTS.filter((v) => programs.some((p) => p.samples[v].length));
  const names = (Object.keys(RATIOS) as RatioName[]).filter((n) => RATIOS[n].every((v) => ran.includes(v)));
  const rows = [['program', ...ran.map((v) => `${v} ms`), ...names]];
  const values = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Partial<Record<RatioName, number[]>>;
  for (const program of programs) {
    const cpu = summaries.get(program.name)!.cpu;
    const row = [program.name, ...ran.map((v) => (Number.isNaN(cpu[v]) ? '—' : ms(cpu[v])))];
    for (const n of names) {
      const [a, b] = RATIOS[n];
      const r = cpu[a] / cpu[b];
      if (!Number.isNaN(r)) values[n]!.push(r);
      row.push(Number.isNaN(r) ? (program.emblyMissing ?? '—') : times(r));
    }
    rows.push(row);
  }
  const means = Object.fromEntries((Object.keys(RATIOS) as RatioName[]).map((n) => [n, values[n]?.length ? geomean(values[n]) : NaN])) as Record<RatioName, number>;
  rows.push(['geometric mean', ...ran.map(() => ''), ...names.map((n) => `${times(means[n])} (${values[n]!.length})`)]);
  return { text: table(rows), means };
}

/** Why the goal is missed, one line per reason; empty when it is met. */
function goalMisses(programs: Program[], summaries: Map<string, Summary>, means: Record<RatioName, number>): string[] {
  const misses: string[] = [];
  for (const program of programs) {
    if (!program.embly) {
      misses.push(`${program.name}: embly ${program.emblyMissing}`);
      continue;
    }
    const cpu = summaries.get(program.name)!.cpu;
    if (cpu.embly / cpu.native > GOAL_VS_NATIVE) misses.push(`${program.name}: embly/native ${ratio(cpu.embly, cpu.native)} > ${GOAL_VS_NATIVE}×`);
  }
  const mean = (name: RatioName, goal: number) => {
    if (Number.isNaN(means[name])) misses.push(`${name} not measured`);
    else if (means[name] > goal) misses.push(`geometric mean ${name} ${times(means[name])} > ${goal}×`);
  };
  mean('embly/native', GOAL_MEAN_VS_NATIVE);
  mean('embly/turbofan', GOAL_MEAN_VS_TURBOFAN);
  return misses;
}

// -------------------------------------------------------------------- main

async function main(argv: string[]): Promise<number> {
  const options = await parseOptions(argv);
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
    `  native: ${gcc}, ${NATIVE_CFLAGS.join(' ')}\n  clang:  ${clang}, ${NATIVE_CFLAGS.join(' ')}\n` +
    `  wasm:   ${clang}, ${WASM_CFLAGS.join(' ')} (${Object.entries(EXTRA_WASM_CFLAGS).map(([n, f]) => `${n}: ${f.join(' ')}`).join('; ')})\n` +
    `  embly:  wasm2c + cc ${aotCflags().join(' ')} ${AOT_LDLIBS.join(' ')}\n` +
    `  v8:     node ${process.version} ${options.nodeFlags.join(' ')}; turbofan: the same with ${TURBOFAN_FLAGS.join(' ')}\n` +
    (options.baseline ? `  baseline: the embly checkout in ${options.baseline.dir}\n` : ''));

  const work = await mkdtemp(join(tmpdir(), 'embly-bench-'));
  try {
    const started = performance.now();
    const programs: Program[] = [];
    for (const name of names) programs.push(await buildProgram(name, sourceDir, work, options.baseline));
    process.stderr.write(`built ${programs.length} programs in ${((performance.now() - started) / 1000).toFixed(1)} s (${work})\n`);

    await measure(programs, options);

    const bad = programs.map((p) => [p, disagreements(p)] as const).filter(([, d]) => d.length);
    for (const [program, d] of bad) console.log(`${program.name}: RESULTS DISAGREE\n  ${d.join('\n  ')}\n`);
    const agreeing = programs.filter((p) => !bad.some(([b]) => b === p));
    const summaries = new Map(agreeing.map((p) => [p.name, summarize(p)]));
    for (const program of agreeing) console.log(report(program, summaries.get(program.name)!));
    // Judged on CPU time: on a shared machine wall time mostly measures the neighbours.
    const { text, means } = summaryTable(agreeing, summaries);
    console.log(`median cpu time per program, and the ratios (geometric means over the programs that ran both):\n${text}\n`);
    const misses = goalMisses(agreeing, summaries, means);
    console.log(misses.length ? `goal missed:\n  ${misses.join('\n  ')}` : 'goal met');
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end` +
      (loadavg()[0]! > cpus().length * 0.5 ? ' — the machine is busy: compare medians, and prefer the cpu column' : ''));

    if (options.json) {
      await writeFile(options.json, JSON.stringify({
        date: new Date().toISOString(), cpu, cores: cpus().length, node: process.version, gcc, clang, aotCflags: aotCflags(),
        runs: options.runs, scale: options.scale, nodeFlags: options.nodeFlags, means,
        programs: programs.map((p) => ({ name: p.name, emblyMissing: p.emblyMissing, samples: p.samples, medians: summaries.get(p.name) ?? null })),
      }, null, 2));
    }
    if (bad.length) {
      console.error('FAILED: the variants do not compute the same results (see above)');
      return 1;
    }
    if (options.checkGoal && misses.length) return 3;
    return 0;
  } finally {
    if (options.keep) process.stderr.write(`kept ${work}\n`);
    else await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
