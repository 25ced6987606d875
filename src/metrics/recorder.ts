// Cheap recording on the request path: an observation adds to its series'
// own aggregate (the bucket's count, sum, count) in preallocated typed
// arrays, and a count is one increment; prom-client gets the aggregate at
// scrape time, in one step per bucket (batched-histogram.ts), because its
// observe() and inc() validate and hash the label set on every call.
import type { Counter, Histogram } from 'prom-client';
import { HistogramSeries } from './batched-histogram.js';

/** A series' observations since the last flush: per bucket (the last:
 * above every bound) a count, and their sum. */
class Aggregate {
  readonly counts: Float64Array;
  sum = 0;
  private pending = false;
  /** a typed copy: prom-client's bounds are a frozen array, slower to read */
  private readonly bounds: Float64Array;

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** The bucket `value` falls in: the first bound not below it. */
  bucketOf(value: number): number {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    return bucket;
  }

  add(bucket: number, value: number): void {
    this.counts[bucket]++;
    this.sum += value;
    this.pending = true;
  }

  flushTo(series: HistogramSeries): void {
    if (!this.pending) return; // a series made lazily appears with its first observation
    series.add(this.counts, this.sum);
    this.counts.fill(0);
    this.sum = 0;
    this.pending = false;
  }
}

/** prom-client refuses NaN and infinities (observe() throws); a recorder
 * drops them rather than throw on the request path or poison the sum. */
const finite = (value: number) => value - value === 0;

/** Observations for one labelled histogram series. */
export class HistogramRecorder {
  private readonly series: HistogramSeries;
  private readonly aggregate: Aggregate;

  constructor(histogram: Histogram, labels: Record<string, string>) {
    this.series = new HistogramSeries(histogram, labels);
    this.aggregate = new Aggregate(this.series.bounds);
  }

  record(value: number): void {
    if (finite(value)) this.aggregate.add(this.aggregate.bucketOf(value), value);
  }

  flush(): void {
    this.aggregate.flushTo(this.series);
  }
}

/** A count for one labelled counter series, passed on as a delta. */
export class CountRecorder {
  private pending = 0;

  constructor(private readonly counter: Counter, private readonly labels: Record<string, string>) {}

  add(n = 1): void {
    this.pending += n;
  }

  flush(): void {
    if (this.pending > 0) this.counter.inc(this.labels, this.pending);
    this.pending = 0;
  }
}

/** Observations for one labelled series of a histogram with exemplars
 * (OpenMetrics): per bucket, the slowest observation since the last flush is
 * kept aside with the instance address it is about, and becomes that
 * bucket's exemplar at the flush, through prom-client's own observe() with
 * exemplar labels (one call per bucket at most). Recording stays stores into
 * typed arrays. */
export class ExemplarHistogramRecorder {
  private readonly series: HistogramSeries;
  private readonly aggregate: Aggregate;
  /** per bucket (the last: above every bound), NaN when none is kept */
  private readonly keptValue: Float64Array;
  private readonly keptAddress: BigUint64Array;

  constructor(
    private readonly histogram: Histogram,
    private readonly labels: Record<string, string>,
    private readonly exemplarLabels: (address: bigint) => Record<string, string>,
  ) {
    this.series = new HistogramSeries(histogram, labels);
    this.aggregate = new Aggregate(this.series.bounds);
    this.keptValue = new Float64Array(this.series.bounds.length + 1).fill(NaN);
    this.keptAddress = new BigUint64Array(this.series.bounds.length + 1);
  }

  record(value: number, address: bigint): void {
    if (!finite(value)) return;
    const bucket = this.aggregate.bucketOf(value);
    const kept = this.keptValue[bucket]!;
    if (value <= kept) return this.aggregate.add(bucket, value); // false when none is kept (NaN)
    if (kept === kept) this.aggregate.add(bucket, kept); // replaced: an ordinary observation now
    this.keptValue[bucket] = value;
    this.keptAddress[bucket] = address;
  }

  flush(): void {
    this.aggregate.flushTo(this.series);
    for (let bucket = 0; bucket < this.keptValue.length; bucket++) {
      const value = this.keptValue[bucket]!;
      if (value !== value) continue;
      this.histogram.observe({ labels: this.labels, value, exemplarLabels: this.exemplarLabels(this.keptAddress[bucket]!) });
      this.keptValue[bucket] = NaN;
    }
  }
}
