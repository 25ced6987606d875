// `npm run bench` (by hand, not in CI): every benchmark in one run, each as a
// child `node dist/bench/NAME.js ... --json FILE`, then BENCHMARKS.md at the
// top of the repo and its charts in docs/benchmarks/. A bench that is absent
// or fails is listed under "Missing" in BENCHMARKS.md, never given numbers.
//
//   npm run bench [-- --quick] [-- --only http,compute] [-- --out FILE] [-- --charts DIR]

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';
import type { BenchFile } from './figures.js';
import { barChart, latencyChart } from './report/charts.js';
import { computeFigures, type ComputeJson } from './report/compute.js';
import { renderMarkdown, sectionsOf, type Machine, type Report } from './report/markdown.js';

const USAGE = `usage: npm run bench -- [options]   (node dist/bench/all.js [options])

  --quick        a quick pass (minutes): fewer and shorter runs of every bench
  --only NAMES   comma-separated benches to run (default: ${'http,compute,roundtrip,idle,build,soak'})
  --out FILE     where to write BENCHMARKS.md (default: BENCHMARKS.md at the top of the repo)
  --charts DIR   where to write the SVG charts (default: docs/benchmarks/)
  --help         show this text

exit status: 0 written, 1 a bench failed (BENCHMARKS.md still says which), 2 bad usage`;

interface Bench {
  name: string;
  /** its arguments besides --json, for each pass */
  args: { quick: string[]; full: string[] };
  /** turns its --json into figures, for a bench with a shape of its own */
  adapt?: (json: unknown) => BenchFile;
}

const BENCHES: Bench[] = [
  {
    name: 'http',
    args: {
      quick: ['--metrics', '--max-rate', '--rounds', '2', '--duration', '3', '--requests', '1000', '--spawn-rates', '100', '--process-rate', '0'],
      full: ['--metrics', '--max-rate', '--spawn-rates', '100'],
    },
  },
  { name: 'compute', args: { quick: ['--runs', '3', '--scale', '0.1'], full: [] }, adapt: (json) => computeFigures(json as ComputeJson) },
  // bench/roundtrip.ts, idle.ts, build.ts and soak.ts write the figures shape themselves
  ...['roundtrip', 'idle', 'build', 'soak'].map((name) => ({ name, args: { quick: ['--quick'], full: [] } })),
];

interface Options { quick: boolean; only: string[]; out: string; charts: string; }

function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string', default: join(packageRoot, 'BENCHMARKS.md') },
        charts: { type: 'string', default: join(packageRoot, 'docs', 'benchmarks') },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new BenchError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return null;
  const only = values.only ? values.only.split(',') : BENCHES.map((b) => b.name);
  const unknown = only.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length) throw new BenchError(`no such bench: ${unknown.join(', ')} (there are ${BENCHES.map((b) => b.name).join(', ')})`);
  return { quick: values.quick, only, out: values.out, charts: values.charts };
}

async function machine(loadStart: number[]): Promise<Machine> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const debian = await readFile('/etc/debian_version', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? process.platform;
  return {
    cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, os: debian ? `${pretty}, ${debian.trim()}` : pretty,
    kernel: release(), node: process.version, loadStart, loadEnd: loadavg(),
  };
}

/** Runs one bench as a child with --json; its figures, or why there are none. */
async function runOne(bench: Bench, pass: 'quick' | 'full', work: string): Promise<BenchFile | { reason: string }> {
  const script = fileURLToPath(new URL(`./${bench.name}.js`, import.meta.url));
  if (!existsSync(script)) return { reason: `bench/${bench.name}.ts is not on this branch yet` };
  const json = join(work, `${bench.name}.json`);
  const args = [script, ...bench.args[pass], '--json', json];
  console.error(`\n=== ${bench.name}: node ${relative(packageRoot, script)} ${args.slice(1).join(' ')}`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', resolve);
  });
  // 3: a goal was missed, which BENCHMARKS.md shows as ✗
  if (code !== 0 && code !== 3) return { reason: `node dist/bench/${bench.name}.js exited with status ${code} (its output is above, in the run's log)` };
  const parsed = JSON.parse(await readFile(json, 'utf8')) as unknown;
  const file = bench.adapt ? bench.adapt(parsed) : (parsed as BenchFile);
  if (!Array.isArray(file.figures)) return { reason: `its --json has no figures (bench/figures.ts shape)` };
  return file;
}

const slug = (section: string) => section.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A percentile plot per section with distributions, bars per section with requests/s figures. */
async function writeCharts(files: BenchFile[], dir: string, from: string): Promise<Report['charts']> {
  await mkdir(dir, { recursive: true });
  const charts: Report['charts'] = new Map();
  const add = async (section: string, kind: string, title: string, svg: Promise<string>) => {
    const path = join(dir, `${slug(section)}-${kind}.svg`);
    await writeFile(path, await svg);
    charts.set(section, [...(charts.get(section) ?? []), { title, path: relative(from, path) }]);
  };
  const distributions = files.flatMap((f) => f.distributions ?? []);
  for (const [section, figures] of sectionsOf(files)) {
    const own = distributions.filter((d) => d.section === section);
    if (own.length) await add(section, 'latency', `${section}: latency by percentile`, latencyChart(`${section}: latency by percentile (µs, log scale)`, own));
    const rps = figures.filter((f) => f.unit === 'req/s');
    if (rps.length > 1) await add(section, 'requests', `${section}: requests/s per target`, barChart(`${section} (medians)`, rps, 'requests/s'));
  }
  return charts;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const pass = options.quick ? 'quick' : 'full';
  const loadStart = loadavg();
  const work = await mkdtemp(join(tmpdir(), 'embly-bench-all-'));
  try {
    const files: BenchFile[] = [];
    const missing: Report['missing'] = [];
    for (const bench of BENCHES.filter((b) => options.only.includes(b.name))) {
      const result = await runOne(bench, pass, work);
      if ('reason' in result) missing.push({ bench: bench.name, reason: result.reason });
      else files.push(result);
    }
    const m = await machine(loadStart);
    const busy = Math.max(...m.loadStart, ...m.loadEnd) > m.cores * 0.5;
    const report: Report = {
      date: new Date().toISOString(), pass, command: `npm run bench${options.quick ? ' -- --quick' : ''}`, machine: m, files, missing,
      charts: await writeCharts(files, options.charts, dirname(options.out)),
      note: busy ? `The machine was loaded by other work during this pass (load average above half its cores): compare within a row, not across machines.` : undefined,
    };
    await writeFile(options.out, renderMarkdown(report));
    console.error(`\nwrote ${options.out} and ${report.charts.size ? [...report.charts.values()].flat().length : 0} charts in ${options.charts}` +
      (missing.length ? `; missing: ${missing.map((x) => x.bench).join(', ')}` : ''));
    return missing.some((x) => !x.reason.includes('not on this branch')) ? 1 : 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
