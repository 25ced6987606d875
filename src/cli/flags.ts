// Flag values, parsed and checked once, where commander reads them: a bad
// value is a usage error (exit 64) naming the flag, never a NaN further in.

import { InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../log.js';
import type { MetricsAddress } from '../metrics/index.js';
import { splitHostPort } from '../project/index.js';

/** A whole number from 1 up: worker and runner counts. */
export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('It must be a whole number from 1 up.');
  return value;
}

/** A path that is not empty (an empty one would silently mean the current directory). */
export function path(text: string): string {
  if (text === '') throw new InvalidArgumentError('It must not be empty.');
  return text;
}

/** --state-dir: where the build's files go instead of the project's .embly/
 * (a read-only project, as under the service unit); also $EMBLY_STATE_DIR. */
export function stateDirOption(): Option {
  return new Option('--state-dir <dir>', "where the build's files go (default: .embly/ in the project)").argParser(path).env('EMBLY_STATE_DIR');
}

/** --log-level: the least severe lines the daemon's log writes. */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'the least severe log lines written').choices(LOG_LEVELS).default('info');
}

/** --metrics: HOST:PORT where /metrics is served, or `off` (null). */
export function metricsAddress(text: string): MetricsAddress | null {
  if (text === 'off') return null;
  const address = splitHostPort(text);
  if (!address || address.port > 65535) throw new InvalidArgumentError('It must be HOST:PORT (127.0.0.1:9465, say) or off.');
  return address;
}

const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** --grace: seconds ("10", "2.5") or a duration with a unit ("500ms", "10s", "1m"); 0 is no grace. In milliseconds. */
export function gracePeriod(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  const ms = match ? Math.ceil(Number(match[1]) * MS_PER_UNIT[match[2] ?? 's']!) : NaN;
  if (!match || ms > 3_600_000) throw new InvalidArgumentError('It must be seconds ("10") or a duration ("500ms", "10s", "1m"), at most 1 hour.');
  return ms;
}
