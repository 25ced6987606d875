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
