// Figures read from the daemon's prom-client registry, so that `emblyctl
// status` and Prometheus show the same numbers: reading a metric runs its
// collect(), as a scrape does.
import type { Registry } from 'prom-client';

export interface Sample { name: string; labels: Record<string, string>; value: number; }

/** Every sample of a metric (a histogram's _bucket, _sum and _count ones); none if it is not registered. */
export async function samples(registry: Registry, metric: string): Promise<Sample[]> {
  const found = registry.getSingleMetric(metric);
  if (!found) return [];
  const { values } = await found.get();
  return values.map((v) => ({
    name: (v as { metricName?: string }).metricName ?? metric,
    labels: Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, String(l)])),
    value: v.value,
  }));
}

/** Samples whose labels include all of `labels`. */
export function matching(all: Sample[], labels: Record<string, string>, name?: string): Sample[] {
  return all.filter((s) => (name === undefined || s.name === name) && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export function total(all: Sample[]): number {
  return all.reduce((sum, s) => sum + s.value, 0);
}

/** The q-quantile of a histogram from its cumulative buckets, as
 * Prometheus's histogram_quantile(q, sum by (le) (...)) estimates it: the
 * series given (a function's, whatever its other labels) added up bound by
 * bound, then linear within the bucket the rank falls in (from 0 for the
 * first), the highest finite bound if it falls in +Inf. Null with no observation. */
export function quantile(q: number, buckets: Sample[]): number | null {
  const byBound = new Map<number, number>();
  for (const b of buckets) {
    const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + b.value);
  }
  const sorted = [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  const count = sorted.at(-1)?.count ?? 0;
  if (count === 0) return null;
  const rank = q * count;
  let below = { le: 0, count: 0 };
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return below.le;
      const share = bucket.count === below.count ? 1 : (rank - below.count) / (bucket.count - below.count);
      return below.le + (bucket.le - below.le) * share;
    }
    below = bucket;
  }
  return below.le;
}
