// BENCHMARKS.md from the benches' --json files (bench/figures.ts): the
// machine, then a section per figure section, each with its charts and a
// table of medians against their baselines; what could not be measured is
// listed as missing, never filled in.

import { SPAWN_BUCKETS } from '../../src/metrics/instances.js';
import type { BenchFigure, BenchFile } from '../figures.js';

export interface Machine {
  cpu: string; cores: number; os: string; kernel: string; node: string;
  loadStart: number[]; loadEnd: number[];
}

export interface Report {
  date: string;
  pass: 'quick' | 'full';
  /** how to rerun the whole pass */
  command: string;
  machine: Machine;
  files: BenchFile[];
  /** a bench that could not give its figures, and why */
  missing: { bench: string; reason: string }[];
  /** chart paths (relative to BENCHMARKS.md) by section */
  charts: Map<string, { title: string; path: string }[]>;
  /** a sentence on the conditions, e.g. that the machine was loaded */
  note?: string;
}

/** The sections in reading order; any other section a bench writes comes after them. */
export const SECTION_ORDER = [
  'Spawn latency', 'HTTP requests/s', 'HTTP round trip', 'Isolation', 'Metrics',
  'Function → function', 'Compute', 'Memory', 'Build', 'Soak',
];

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function figureRow(f: BenchFigure): string {
  const goal = f.goal ? `${f.goal.met ? '✓' : '✗'} ${f.goal.text}` : '';
  const baseline = f.baseline ? `${formatNumber(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '';
  const ratio = f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`;
  return `| ${[f.figure, `${formatNumber(f.value)} ${f.unit}`, baseline, ratio, goal, String(f.runs.length), `\`${f.command}\``].map(cell).join(' | ')} |`;
}

export function figureTable(figures: BenchFigure[]): string {
  return ['| figure | median | baseline (median, same run) | ratio | goal | runs | rerun |', '|---|--:|--:|--:|---|--:|---|',
    ...figures.map(figureRow)].join('\n');
}

/** Which embly_spawn_duration_seconds bucket a latency in µs falls in. */
const bucketOf = (us: number) => SPAWN_BUCKETS.findIndex((b) => us <= b * 1e6);

/** Whether the bench's own spawn figures agree with /metrics for the same runs: within one histogram bucket. */
export function spawnAgreement(figures: BenchFigure[]): string | null {
  const paired = figures.filter((f) => f.baseline?.name.startsWith('/metrics'));
  if (paired.length === 0) return null;
  const off = paired.filter((f) => {
    const a = bucketOf(f.value);
    const b = bucketOf(f.baseline!.value);
    return Math.abs((a < 0 ? SPAWN_BUCKETS.length : a) - (b < 0 ? SPAWN_BUCKETS.length : b)) > 1;
  });
  const ratios = paired.map((f) => f.ratio!);
  const spread = `the bench's probe / /metrics from ${Math.min(...ratios).toFixed(2)}× to ${Math.max(...ratios).toFixed(2)}×`;
  const verdict = off.length === 0
    ? `**They agree**: every one of the ${paired.length} figures lies within one bucket of embly_spawn_duration_seconds of what /metrics reports for the same runs (${spread}).`
    : `**They disagree** on ${off.map((f) => f.figure).join(', ')}: more than one histogram bucket apart (${spread}).`;
  return `${verdict} The baseline column is histogram_quantile() over the daemon's own histogram, scraped before and after each run; ` +
    'it interpolates within buckets (bounds 10, 25, 50, 100, 250, 500 µs, 1 ms, …), so within a bucket is as close as it can tell. ' +
    "Both start when the gateway had read the request's head; the probe ends at the function's first instruction (its own clock), " +
    "the histogram when the runner switched to the instance (its stamp in STARTED), so they can part at the tail when a runner is " +
    'descheduled in between, and a p99.9 of few requests is their worst one or two.';
}

function machineTable(m: Machine): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return ['| CPU | cores | OS | kernel | node | load average at start | at end |', '|---|--:|---|---|---|---|---|',
    `| ${[m.cpu, String(m.cores), m.os, m.kernel, m.node, load(m.loadStart), load(m.loadEnd)].map(cell).join(' | ')} |`].join('\n');
}

export function sectionsOf(files: BenchFile[]): Map<string, BenchFigure[]> {
  const sections = new Map<string, BenchFigure[]>();
  for (const f of files.flatMap((file) => file.figures)) sections.set(f.section, [...(sections.get(f.section) ?? []), f]);
  const rank = (s: string) => (SECTION_ORDER.includes(s) ? SECTION_ORDER.indexOf(s) : SECTION_ORDER.length);
  return new Map([...sections].sort(([a], [b]) => rank(a) - rank(b)));
}

export function renderMarkdown(r: Report): string {
  const out = [
    '# Benchmarks',
    '',
    `Written by \`${r.command}\` (bench/all.ts, a ${r.pass} pass) on ${r.date}. Every row is the median of its runs, ` +
      'next to its baseline measured in the same run, with the command that reruns it; bench/README.md says what each figure measures. ' +
      'The compute history is in [docs/benchmarks.md](docs/benchmarks.md).',
    ...(r.note ? ['', `> ${r.note}`] : []),
    '',
    '## Machine',
    '',
    machineTable(r.machine),
  ];
  for (const [section, figures] of sectionsOf(r.files)) {
    out.push('', `## ${section}`, '');
    for (const chart of r.charts.get(section) ?? []) out.push(`![${chart.title}](${chart.path})`, '');
    out.push(figureTable(figures));
    if (section === 'Spawn latency') {
      const agreement = spawnAgreement(figures);
      if (agreement) out.push('', agreement);
    }
  }
  if (r.missing.length) {
    out.push('', '## Missing', '', 'Not measured in this pass (no figure is given for them):', '');
    for (const m of r.missing) out.push(`- **${m.bench}**: ${m.reason}`);
  }
  out.push('', '## History', '', 'Earlier measurements, with the changes that moved them: [docs/benchmarks.md](docs/benchmarks.md).', '');
  return out.join('\n');
}
