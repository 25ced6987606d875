// The `metrics:` section: `metrics: off`, or a map whose `listen` says where
// /metrics is served (docs/metrics.md). `embly run --metrics` wins over it.
import { isMap, isScalar } from 'yaml';
import { readString, type Item } from './fields.js';
import { DEFAULT_METRICS_LISTEN, MAX_PORT, METRICS_KEYS, MIN_PORT } from './schema.js';
import { describe, isEmptyValue, type Entry, type ProjectSource } from './source.js';
import type { ListenAddress } from './types.js';

const METRICS_HINT = `write metrics: off, or metrics: { listen: "${DEFAULT_METRICS_LISTEN.host}:${DEFAULT_METRICS_LISTEN.port}" }`;
const LISTEN_HINT = `write HOST:PORT, e.g. listen: "${DEFAULT_METRICS_LISTEN.host}:${DEFAULT_METRICS_LISTEN.port}" (an IPv6 address in brackets: "[::1]:${DEFAULT_METRICS_LISTEN.port}")`;

/** "HOST:PORT" split, an IPv6 address in brackets ("[::1]:9465"); undefined
 * when the text is not of that shape. The port is any 1-5 digits here:
 * callers check its range. */
export function splitHostPort(text: string): ListenAddress | undefined {
  const match = /^(\[[^\]\s]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  return match ? { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) } : undefined;
}

/** The project's metrics setting: the default when the section is absent, null for `off`. */
export function readMetrics(src: ProjectSource, entry: Entry | undefined): ListenAddress | null | undefined {
  if (entry === undefined) return { ...DEFAULT_METRICS_LISTEN };
  const { value } = entry;
  if (isScalar(value) && value.value === 'off') return null;
  if (isEmptyValue(value)) {
    src.report(entry, '"metrics" has no value', METRICS_HINT);
    return undefined;
  }
  if (!isMap(value)) {
    const what = isScalar(value) && typeof value.value === 'string' ? JSON.stringify(value.value) : describe(value);
    src.report(entry, `"metrics" must be off or a map with "listen", not ${what}`, METRICS_HINT);
    return undefined;
  }
  const item: Item = { src, node: value, entries: src.readMap(value, METRICS_KEYS, 'metrics: '), label: 'metrics', prefix: 'metrics: ' };
  const listen = item.entries.get('listen');
  return listen === undefined ? { ...DEFAULT_METRICS_LISTEN } : readListen(item, listen);
}

function readListen(item: Item, entry: Entry): ListenAddress | undefined {
  const text = readString(item, entry, LISTEN_HINT);
  if (text === undefined) return undefined;
  const address = splitHostPort(text);
  if (address === undefined) {
    item.src.report(entry, `metrics: listen ${JSON.stringify(text)} is not HOST:PORT`, LISTEN_HINT);
  } else if (address.port < MIN_PORT || address.port > MAX_PORT) {
    item.src.report(entry, `metrics: listen ${JSON.stringify(text)}: port ${address.port} is out of range`, `use a port from ${MIN_PORT} to ${MAX_PORT}`);
  } else {
    return address;
  }
  return undefined;
}
