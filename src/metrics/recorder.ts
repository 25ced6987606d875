// Cheap recording on the request path: an observation is one store into a
// preallocated array, and a count one increment; prom-client gets them at
// scrape time (its observe() and inc() hash the label set on every call).
import type { Counter, Histogram } from 'prom-client';

const BATCH = 4096;

/** Observations for one labelled histogram series, passed on in batches. */
export class HistogramRecorder {
  private readonly values = new Float64Array(BATCH);
  private count = 0;

  constructor(private readonly histogram: Histogram, private readonly labels: Record<string, string>) {}

  record(value: number): void {
    this.values[this.count++] = value;
    if (this.count === BATCH) this.flush();
  }

  flush(): void {
    for (let i = 0; i < this.count; i++) this.histogram.observe(this.labels, this.values[i]!);
    this.count = 0;
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
 * bucket's exemplar at the flush. Recording stays stores into typed arrays. */
export class ExemplarHistogramRecorder {
  private readonly values = new Float64Array(BATCH);
  private count = 0;
  /** per bucket (the last: above every bound), NaN when none is kept */
  private readonly keptValue: Float64Array;
  private readonly keptAddress: BigUint64Array;

  constructor(
    private readonly histogram: Histogram,
    private readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
    private readonly exemplarLabels: (address: bigint) => Record<string, string>,
  ) {
    this.keptValue = new Float64Array(bounds.length + 1).fill(NaN);
    this.keptAddress = new BigUint64Array(bounds.length + 1);
  }

  record(value: number, address: bigint): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    const kept = this.keptValue[bucket]!;
    if (value <= kept) return this.push(value); // false when none is kept (NaN)
    if (kept === kept) this.push(kept); // replaced: an ordinary observation now
    this.keptValue[bucket] = value;
    this.keptAddress[bucket] = address;
  }

  private push(value: number): void {
    this.values[this.count++] = value;
    if (this.count === BATCH) this.flushValues();
  }

  private flushValues(): void {
    for (let i = 0; i < this.count; i++) this.histogram.observe({ labels: this.labels, value: this.values[i]! });
    this.count = 0;
  }

  flush(): void {
    this.flushValues();
    for (let bucket = 0; bucket < this.keptValue.length; bucket++) {
      const value = this.keptValue[bucket]!;
      if (value !== value) continue;
      this.histogram.observe({ labels: this.labels, value, exemplarLabels: this.exemplarLabels(this.keptAddress[bucket]!) });
      this.keptValue[bucket] = NaN;
    }
  }
}
