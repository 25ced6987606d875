// What the daemon's /metrics says of spawn latency, for bench/http.ts
// --metrics: a function's embly_spawn_duration_seconds buckets scraped before
// and after a run, and the quantiles of the difference estimated as
// Prometheus's histogram_quantile() does (linear within a bucket). So the
// bench's own spawn figures and what a dashboard would show of the same
// requests sit side by side.

/** Cumulative counts by upper bound in seconds (Infinity last), cold and warm summed. */
export type Buckets = Map<number, number>;

const BUCKET = /^embly_spawn_duration_seconds_bucket\{(.*)\} (\S+)$/;

export async function scrapeSpawnBuckets(port: number, fn: string): Promise<Buckets> {
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets: Buckets = new Map();
  for (const line of page.split('\n')) {
    const match = BUCKET.exec(line);
    if (!match || !match[1]!.includes(`function="${fn}"`)) continue;
    const le = /le="([^"]+)"/.exec(match[1]!)![1]!;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

export interface HistogramFigures { count: number; p50Ns: number; p99Ns: number; p999Ns: number; }

/** The spawns between two scrapes: how many, and their p50, p99 and p99.9. */
export function spawnsBetween(before: Buckets, after: Buckets): HistogramFigures {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => after.get(b)! - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  const at = (q: number) => quantile(q * total, bounds, counts) * 1e9;
  return { count: total, p50Ns: total ? at(0.5) : NaN, p99Ns: total ? at(0.99) : NaN, p999Ns: total ? at(0.999) : NaN };
}

/** The value below which `rank` observations lie, interpolated within its bucket. */
function quantile(rank: number, bounds: number[], counts: number[]): number {
  const i = counts.findIndex((c) => c >= rank);
  if (bounds[i] === Infinity) return bounds[i - 1]!; // histogram_quantile's answer: the highest finite bound
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : counts[i - 1]!;
  return lower + ((bounds[i]! - lower) * (rank - below)) / (counts[i]! - below);
}
