// bench/compute.ts writes its own --json (every sample of every variant);
// this reads it into figures (bench/figures.ts): per program, Embly's median
// CPU time against native, V8 and Embly unpreempted, with compute.ts's goals.

import { figureOf, type BenchFigure, type BenchFile } from '../figures.js';

interface ComputeSample { cpuNs: number; }
type Variant = 'native' | 'embly' | 'v8' | 'unpreempted';

/** The part of compute.ts's --json read here. */
export interface ComputeJson {
  date: string; cpu: string; cores: number; node: string; runs: number; scale: string;
  programs: { name: string; samples: Record<Variant, ComputeSample[]> }[];
}

// compute.ts's goals: ≤ 1.25 × native, faster than V8, preemption costs ≤ 3 %.
const GOALS: { baseline: Variant; name: string; text: string; max: number; strict?: boolean }[] = [
  { baseline: 'native', name: 'native (gcc -O2)', text: '≤ 1.25 × native', max: 1.25 },
  { baseline: 'v8', name: 'V8 (node:wasi)', text: '< 1 × V8', max: 1, strict: true },
  { baseline: 'unpreempted', name: 'Embly unpreempted', text: '≤ 1.03 × unpreempted', max: 1.03 },
];

export function computeFigures(json: ComputeJson): BenchFile {
  const figures: BenchFigure[] = [];
  const ms = (samples: ComputeSample[]) => samples.map((s) => s.cpuNs / 1e6);
  for (const program of json.programs) {
    const command = `node dist/bench/compute.js --only ${program.name} --runs ${json.runs} --scale ${json.scale}`;
    for (const goal of GOALS) {
      const figure = figureOf({
        section: 'Compute', figure: `${program.name}: Embly CPU time vs ${goal.baseline}`, unit: 'ms', command,
        runs: ms(program.samples.embly), baseline: { name: goal.name, runs: ms(program.samples[goal.baseline]) },
      });
      const met = goal.strict ? figure.ratio! < goal.max : figure.ratio! <= goal.max;
      figures.push({ ...figure, goal: { text: goal.text, met } });
    }
  }
  return { bench: 'compute', date: json.date, machine: { cpu: json.cpu, cores: json.cores, node: json.node, loadAverage: [] }, figures };
}
