// bench/compute.ts writes its own --json (every sample of every variant);
// this reads it into figures (bench/figures.ts): per program, Embly's median
// CPU time against native, V8 and Embly unpreempted, with compute.ts's goals.

import { figureOf, type BenchFigure, type BenchFile } from '../figures.js';

interface ComputeSample { cpuNs: number; }
type Variant = 'native' | 'clang' | 'embly' | 'unpreempted' | 'oneunit' | 'v8' | 'turbofan';

/** The part of compute.ts's --json read here. */
export interface ComputeJson {
  date: string; cpu: string; cores: number; node: string; runs: number; scale: string;
  /** a variant that did not run (a program Embly cannot load has no embly samples) is absent or empty */
  programs: { name: string; samples: Partial<Record<Variant, ComputeSample[]>> }[];
}

/** Issue 15's goals: each program ≤ 1.25 × native; over all of them, ≤ 1.10 × native and ≤ 0.90 × TurboFan. */
const PER_PROGRAM: { baseline: Variant; name: string; text?: string; max?: number }[] = [
  { baseline: 'native', name: 'native (gcc -O2)', text: '≤ 1.25 × native', max: 1.25 },
  { baseline: 'turbofan', name: 'V8 TurboFan (--no-liftoff)' },
  { baseline: 'unpreempted', name: 'Embly unpreempted', text: '≤ 1.03 × unpreempted', max: 1.03 },
];
const OVERALL: { baseline: Variant; text: string; max: number }[] = [
  { baseline: 'native', text: '≤ 1.10 × native', max: 1.10 },
  { baseline: 'turbofan', text: '≤ 0.90 × TurboFan', max: 0.90 },
];

const ms = (samples: ComputeSample[]) => samples.map((s) => s.cpuNs / 1e6);
const has = (samples: ComputeSample[] | undefined): samples is ComputeSample[] => samples !== undefined && samples.length > 0;

export function computeFigures(json: ComputeJson): BenchFile {
  const figures: BenchFigure[] = [];
  const command = (only: string) => `node dist/bench/compute.js --only ${only} --runs ${json.runs} --scale ${json.scale}`;
  const ratios = new Map<Variant, number[]>(OVERALL.map((g) => [g.baseline, []]));
  const measured = json.programs.filter((p) => has(p.samples.embly));
  for (const program of measured) {
    for (const goal of PER_PROGRAM) {
      const base = program.samples[goal.baseline];
      if (!has(base)) continue;
      const figure = figureOf({
        section: 'Compute', figure: `${program.name}: Embly CPU time vs ${goal.baseline}`, unit: 'ms', command: command(program.name),
        runs: ms(program.samples.embly!), baseline: { name: goal.name, runs: ms(base) },
      });
      ratios.get(goal.baseline)?.push(figure.ratio!);
      figures.push(goal.max === undefined ? figure : { ...figure, goal: { text: goal.text!, met: figure.ratio! <= goal.max } });
    }
  }
  const all = measured.map((p) => p.name).join(',');
  for (const goal of OVERALL) {
    const values = ratios.get(goal.baseline)!;
    if (values.length === 0) continue;
    const mean = Math.exp(values.reduce((a, r) => a + Math.log(r), 0) / values.length);
    figures.push({
      section: 'Compute', figure: `geometric mean over ${values.length} programs: Embly / ${goal.baseline}`, value: mean, unit: '×',
      runs: values, command: command(all), goal: { text: goal.text, met: mean <= goal.max },
    });
  }
  return { bench: 'compute', date: json.date, machine: { cpu: json.cpu, cores: json.cores, node: json.node, loadAverage: [] }, figures };
}
