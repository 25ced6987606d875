// BENCHMARKS.md's rendering (bench/report/): figures -> markdown tables,
// the spawn agreement with /metrics, compute.ts's --json -> figures, and the
// SVG charts (well-formed XML, every series named).
import test from 'ava';
import { DOMParser } from '@xmldom/xmldom';
import type { BenchFile } from '../../bench/figures.js';
import { figureOf } from '../../bench/figures.js';
import { barChart, latencyChart } from '../../bench/report/charts.js';
import { computeFigures } from '../../bench/report/compute.js';
import { renderMarkdown, spawnAgreement, type Report } from '../../bench/report/markdown.js';

const machine = { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', loadAverage: [0.1, 0.2, 0.3] };
const command = 'node dist/bench/http.js --metrics';

function httpFile(): BenchFile {
  const rps = figureOf({ section: 'HTTP requests/s', figure: 'Embly, isolation: instance', unit: 'req/s', runs: [30_000, 40_000, 35_000],
    baseline: { name: 'plain Node http', runs: [50_000, 60_000, 70_000] }, command });
  return {
    bench: 'http', date: '2026-01-01T00:00:00.000Z', machine,
    figures: [
      { ...rps, goal: { text: '≥ 0.6 × plain Node', met: false } },
      figureOf({ section: 'Spawn latency', figure: 'p50 at 1000/s', unit: 'µs', runs: [60, 70, 80], baseline: { name: '/metrics (histogram_quantile)', runs: [65, 75] }, command }),
      { section: 'Spawn latency', figure: 'highest sustainable rate', value: 2250, unit: 'spawns/s', runs: [2250], command },
    ],
    distributions: [],
  };
}

const report = (files: BenchFile[], missing: Report['missing'] = []): Report => ({
  date: '2026-01-01T00:00:00.000Z', pass: 'quick', command: 'npm run bench -- --quick', files, missing, charts: new Map([['HTTP requests/s', [{ title: 'bars', path: 'docs/benchmarks/http-requests-s-requests.svg' }]]]),
  machine: { cpu: 'Test CPU', cores: 2, os: 'Debian GNU/Linux 12 (bookworm), 12.11', kernel: '6.1.0', node: 'v20.0.0', loadStart: [1, 2, 3], loadEnd: [4, 5, 6] },
});

test('each figure is a table row: median, baseline, ratio, goal, runs and the command to rerun it', (t) => {
  const md = renderMarkdown(report([httpFile()]));
  t.true(md.includes('| Embly, isolation: instance | 35,000 req/s | 60,000 req/s (plain Node http) | 0.58× | ✗ ≥ 0.6 × plain Node | 3 | `node dist/bench/http.js --metrics` |'), md);
  t.true(md.includes('| p50 at 1000/s | 70 µs | 70 µs (/metrics (histogram_quantile)) | 1.00× |'), md);
  t.true(md.includes('| highest sustainable rate | 2,250 spawns/s |  |  |  | 1 |'), md);
  t.true(md.includes('| Test CPU | 2 | Debian GNU/Linux 12 (bookworm), 12.11 | 6.1.0 | v20.0.0 | 1.00 2.00 3.00 | 4.00 5.00 6.00 |'), md);
  t.true(md.includes('![bars](docs/benchmarks/http-requests-s-requests.svg)'));
  t.true(md.indexOf('## Spawn latency') < md.indexOf('## HTTP requests/s'), 'sections in reading order');
  t.true(md.includes('[docs/benchmarks.md](docs/benchmarks.md)'));
  t.false(md.includes('## Missing'));
});

test('a bench that gave no figures is listed as missing, with no numbers', (t) => {
  const md = renderMarkdown(report([httpFile()], [{ bench: 'idle', reason: 'bench/idle.ts is not on this branch yet' }]));
  t.true(md.includes('## Missing'));
  t.true(md.includes('- **idle**: bench/idle.ts is not on this branch yet'));
  t.false(md.includes('## Memory'));
});

test('the spawn figures agree with /metrics within one histogram bucket, and are said not to when they are further apart', (t) => {
  const row = (value: number, metrics: number) =>
    figureOf({ section: 'Spawn latency', figure: `p99 ${value}`, unit: 'µs', runs: [value], baseline: { name: '/metrics (histogram_quantile)', runs: [metrics] }, command });
  t.regex(spawnAgreement([row(136, 100), row(40, 30)])!, /^\*\*They agree\*\*: every one of the 2 figures/);
  const apart = spawnAgreement([row(136, 100), row(900, 60)])!;
  t.regex(apart, /^\*\*They disagree\*\* on p99 900:/);
  t.is(spawnAgreement([{ section: 'Spawn latency', figure: 'rate', value: 1, unit: 'spawns/s', runs: [1], command }]), null);
});

test("compute.ts's --json becomes one row per program and baseline, with its goals, then the geometric means; a program Embly could not run has none", (t) => {
  const samples = (ms: number[]) => ms.map((m) => ({ cpuNs: m * 1e6 }));
  const file = computeFigures({
    date: 'd', cpu: 'c', cores: 2, node: 'v20', runs: 3, scale: '0.1',
    programs: [
      { name: 'nbody', samples: { native: samples([10, 10, 10]), embly: samples([12, 11, 13]), turbofan: samples([20, 20, 20]), unpreempted: samples([11, 11, 11]) } },
      { name: 'fib', samples: { native: samples([10, 10, 10]), embly: samples([5, 5, 5]), turbofan: samples([10, 10, 10]), unpreempted: samples([5, 5, 5]) } },
      { name: 'simd', samples: { native: samples([10]), embly: [], turbofan: samples([12]) } },
    ],
  });
  const rounded = (x: number | undefined) => (x === undefined ? x : Math.round(x * 1e9) / 1e9);
  t.deepEqual(file.figures.map((f) => [f.figure, rounded(f.value), rounded(f.ratio), f.goal?.met, f.runs.length]), [
    ['nbody: Embly CPU time vs native', 12, 1.2, true, 3],
    ['nbody: Embly CPU time vs turbofan', 12, 0.6, undefined, 3],
    ['nbody: Embly CPU time vs unpreempted', 12, rounded(12 / 11), false, 3],
    ['fib: Embly CPU time vs native', 5, 0.5, true, 3],
    ['fib: Embly CPU time vs turbofan', 5, 0.5, undefined, 3],
    ['fib: Embly CPU time vs unpreempted', 5, 1, true, 3],
    ['geometric mean over 2 programs: Embly / native', rounded(Math.sqrt(1.2 * 0.5)), undefined, true, 2],
    ['geometric mean over 2 programs: Embly / turbofan', rounded(Math.sqrt(0.6 * 0.5)), undefined, true, 2],
  ]);
  t.is(file.figures[0]!.command, 'node dist/bench/compute.js --only nbody --runs 3 --scale 0.1');
  t.is(file.figures.at(-1)!.command, 'node dist/bench/compute.js --only nbody,fib --runs 3 --scale 0.1');
});

/** Parses SVG strictly: any XML error fails. */
function parseSvg(svg: string): Document {
  const doc = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(svg, 'image/svg+xml');
  return doc as unknown as Document;
}

const texts = (doc: Document) => Array.from(doc.getElementsByTagName('text')).map((n) => n.textContent);

test('the latency chart is well-formed SVG that names every series', async (t) => {
  const ramp = (from: number) => Array.from({ length: 1000 }, (_, i) => (from + i) * 1e3);
  const svg = await latencyChart('Spawn latency', [
    { section: 'Spawn latency', name: '100/s', samplesNs: ramp(50) },
    { section: 'Spawn latency', name: '1000/s', samplesNs: ramp(80) },
  ]);
  const doc = parseSvg(svg);
  t.is(doc.documentElement!.nodeName, 'svg');
  const labels = texts(doc);
  for (const name of ['100/s', '1000/s', 'Spawn latency', 'p99', 'p99.9']) t.true(labels.includes(name), `${name} in ${labels.join('|')}`);
});

test('the requests/s chart is well-formed SVG with a labelled bar per target', async (t) => {
  const bar = (figure: string, value: number) => figureOf({ section: 'HTTP requests/s', figure, unit: 'req/s', runs: [value], command });
  const svg = await barChart('HTTP', [bar('plain Node http', 60_000), bar('Embly, isolation: instance', 36_000)], 'requests/s');
  const doc = parseSvg(svg);
  t.is(doc.documentElement!.nodeName, 'svg');
  const labels = texts(doc);
  for (const label of ['plain Node http', 'Embly, isolation: instance', '60,000', '36,000']) t.true(labels.includes(label), `${label} in ${labels.join('|')}`);
  t.is(doc.getElementsByTagName('path').length > 0, true);
});
