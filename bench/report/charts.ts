// BENCHMARKS.md's charts, as SVG rendered headless by vega (from vega-lite
// specs): a percentile plot of each latency section's distributions, and bars
// of requests/s per target.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchDistribution, BenchFigure } from '../figures.js';

/** Where the percentile plot samples each distribution, in "nines" (x = -log10(1 - q)): p0 … p99.9. */
const NINES = Array.from({ length: 31 }, (_, i) => i / 10);

function quantileOf(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Each distribution's latency (µs) at every point of NINES, as chart rows. */
export function percentileRows(distributions: BenchDistribution[]): { series: string; nines: number; us: number }[] {
  return distributions.filter((d) => d.samplesNs.length > 0).flatMap((d) => {
    const sorted = Float64Array.from(d.samplesNs).sort();
    return NINES.map((nines) => ({ series: d.name, nines, us: quantileOf(sorted, 1 - 10 ** -nines) / 1e3 }));
  });
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Latency at each percentile, one line per distribution (log scale: the tail is the point). */
export function latencyChart(title: string, distributions: BenchDistribution[]): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: 560, height: 300,
    data: { values: percentileRows(distributions) },
    mark: { type: 'line', point: { size: 12 } },
    encoding: {
      x: {
        field: 'nines', type: 'quantitative', title: 'percentile',
        axis: { values: [0, Math.log10(2), 1, 2, 3], labelExpr: "'p' + format(100 * (1 - pow(10, -datum.value)), '.4~')" },
      },
      y: { field: 'us', type: 'quantitative', title: 'µs', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
    },
  });
}

/** A bar per figure: its median, labelled. */
export function barChart(title: string, figures: BenchFigure[], unit: string): Promise<string> {
  const values = figures.map((f) => ({ target: f.figure, value: f.value }));
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: 420,
    data: { values },
    encoding: {
      y: { field: 'target', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
      x: { field: 'value', type: 'quantitative', title: unit },
    },
    layer: [
      { mark: 'bar' },
      { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'value', type: 'quantitative', format: ',.0f' } } },
    ],
  });
}
