// Function logs are rate-limited per function, so a noisy function cannot
// flood the daemon's log: a token bucket per key in front of the Logger, and
// a line saying how many lines were dropped once it refills, at most one a
// second per key (a summary per let-through line would double the log of a
// saturated key).
import type { Logger, LogLevel } from '../log.js';

export interface RateLimit { linesPerSecond: number; burst: number; }

export const DEFAULT_LOG_LIMIT: RateLimit = { linesPerSecond: 100, burst: 200 };

interface Bucket { tokens: number; updated: number; dropped: number; summarized: number; }

const SUMMARY_INTERVAL_MS = 1000;

export class LogLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly log: Logger, private readonly limit: RateLimit = DEFAULT_LOG_LIMIT, private readonly now: () => number = () => performance.now()) {}

  /** Logs `line` at `level` if `key` has budget left; a function is only called then. */
  write(key: string, level: LogLevel, line: string | (() => string)): void {
    const bucket = this.refill(key);
    if (bucket.tokens < 1) {
      bucket.dropped++;
      return;
    }
    if (bucket.dropped > 0 && bucket.updated - bucket.summarized >= SUMMARY_INTERVAL_MS) {
      this.log.warn(`[${key}] ... ${bucket.dropped} log line${bucket.dropped === 1 ? '' : 's'} dropped (over ${this.limit.linesPerSecond}/s)`);
      bucket.dropped = 0;
      bucket.summarized = bucket.updated;
    }
    bucket.tokens--;
    this.log[level](typeof line === 'string' ? line : line());
  }

  private refill(key: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, updated: now, dropped: 0, summarized: -Infinity };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.limit.linesPerSecond);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}
