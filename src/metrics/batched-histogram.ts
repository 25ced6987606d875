// Adding a series' aggregate (per-bucket counts, sum, count) to a
// prom-client Histogram in one step, which its public API cannot do: it only
// has observe(), one observation per call, each validating and hashing the
// label set. This relies on prom-client 15's internal layout (lib/histogram.js):
// `hashMap` maps a label-set hash to { labels, bucketValues, sum, count },
// bucketValues keyed by each finite upper bound (the +Inf bucket is `count`),
// and `upperBounds` are the buckets. The entry is made by the public zero(),
// so its hash and shape are prom-client's own. test/metrics/recorder.test.ts
// compares the rendered text with observe()'s, so a layout change fails it.
import type { Histogram } from 'prom-client';
import { InternalError } from '../errors.js';

interface SeriesEntry { labels: Record<string, string | number>; bucketValues: Record<string, number>; sum: number; count: number; }
interface HistogramInternals { hashMap: Record<string, SeriesEntry>; upperBounds: readonly number[]; }

/** One labelled series of a histogram, as prom-client keeps it. */
export class HistogramSeries {
  /** the histogram's finite upper bounds, ascending */
  readonly bounds: readonly number[];
  private hash: string | undefined;

  constructor(private readonly histogram: Histogram, private readonly labels: Record<string, string>) {
    const bounds = internals(histogram).upperBounds;
    if (!Array.isArray(bounds) || bounds.some((b) => typeof b !== 'number')) throw new InternalError('prom-client Histogram without upperBounds: its internal layout changed (batched-histogram.ts)');
    this.bounds = bounds;
  }

  /** Adds `counts` (one per bound, then one above them all), their `sum`. */
  add(counts: Float64Array, sum: number): void {
    const entry = this.entry();
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i]!;
      total += n;
      if (i < this.bounds.length) entry.bucketValues[this.bounds[i]!] += n;
    }
    entry.count += total;
    entry.sum += sum;
  }

  /** The series' entry: the one found before unless reset() or remove()
   * dropped it; else the one with our labels; else a new one, by zero(). */
  private entry(): SeriesEntry {
    const map = internals(this.histogram).hashMap;
    const known = this.hash === undefined ? undefined : map[this.hash];
    if (known) return known;
    this.hash = this.find(map);
    if (this.hash === undefined) {
      this.histogram.zero(this.labels);
      this.hash = this.find(internals(this.histogram).hashMap);
    }
    const entry = this.hash === undefined ? undefined : internals(this.histogram).hashMap[this.hash];
    if (!entry || typeof entry.bucketValues !== 'object' || typeof entry.count !== 'number') {
      throw new InternalError('prom-client Histogram series not where expected: its internal layout changed (batched-histogram.ts)');
    }
    return entry;
  }

  private find(map: Record<string, SeriesEntry>): string | undefined {
    const names = Object.keys(this.labels);
    for (const [hash, entry] of Object.entries(map)) {
      const theirs = entry.labels ?? {};
      if (Object.keys(theirs).length === names.length && names.every((n) => theirs[n] !== undefined && String(theirs[n]) === this.labels[n])) return hash;
    }
    return undefined;
  }
}

function internals(histogram: Histogram): HistogramInternals {
  return histogram as unknown as HistogramInternals;
}
