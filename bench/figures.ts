// The shape every benchmark writes with --json, so that `npm run bench`
// (bench/all.ts) can put each figure in BENCHMARKS.md next to its baseline
// without knowing how it was measured.

/** One row of BENCHMARKS.md: a median, the same run's baseline, and how to rerun it. */
export interface BenchFigure {
  /** the section it belongs to, e.g. 'HTTP', 'Spawn latency', 'Memory' */
  section: string;
  /** what was measured, e.g. 'memory per idle instance' */
  figure: string;
  /** the median of `runs` */
  value: number;
  unit: string;
  /** what it is compared with, measured in the same run; absent for figures with no baseline (a count reached) */
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  /** the goal, in words, and whether it was met, if the issue states one */
  goal?: { text: string; met: boolean };
  /** every run's value, in order */
  runs: number[];
  /** the command that reruns this figure alone */
  command: string;
}

/** A latency distribution, for the charts: every sample, nanoseconds. */
export interface BenchDistribution {
  section: string;
  name: string;
  samplesNs: number[];
}

/** What one benchmark's --json file holds. */
export interface BenchFile {
  bench: string;
  date: string;
  machine: { cpu: string; cores: number; node: string; loadAverage: number[] };
  figures: BenchFigure[];
  distributions?: BenchDistribution[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A figure from its runs and its baseline's runs (medians of each). */
export function figureOf(row: Omit<BenchFigure, 'value' | 'ratio' | 'baseline'> & { baseline?: { name: string; runs: number[] } }): BenchFigure {
  const value = median(row.runs);
  const { baseline, ...rest } = row;
  if (!baseline) return { ...rest, value };
  const base = median(baseline.runs);
  return { ...rest, value, baseline: { name: baseline.name, value: base }, ratio: value / base };
}
