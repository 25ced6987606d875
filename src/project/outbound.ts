// A function's outbound HTTP through the `embly/http` special function
// (docs/special-functions.md): the origins it may call (allowed_outbound_hosts)
// and its limits. Patterns are parsed here, once, with their positions; the
// daemon matches requests against the parsed form (src/specials/http/allowed.ts).
import { isIPv4, isIPv6 } from 'node:net';
import { isScalar, isSeq } from 'yaml';
import { optionalWith, readInteger, readMeasure, type Item } from './fields.js';
import {
  DEFAULT_OUTBOUND_MAX_BYTES, DEFAULT_OUTBOUND_MAX_CONCURRENT, DEFAULT_OUTBOUND_TIMEOUT_MS, MAX_OUTBOUND_MAX_CONCURRENT,
} from './schema.js';
import { describe, isEmptyValue, type Entry } from './source.js';
import type { HostPattern, OutboundSpec } from './types.js';
import { parseSize, parseTimeout, SIZE_HINT, TIMEOUT_HINT } from './units.js';

export const HOST_PATTERN_HINT =
  'write scheme://host[:port], e.g. "https://api.example.com", "https://*.example.com" (its subdomains), ' +
  '"http://127.0.0.1:8080" or "https://example.com:*" (any port)';

const PATTERN = /^(https?|\*):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#@[\]]+)(?::([0-9]{1,5}|\*))?\/?$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

/** One allowed_outbound_hosts entry, or why it is not one. */
export function parseHostPattern(text: string): { pattern: HostPattern } | { error: string; hint: string } {
  const shown = JSON.stringify(text);
  const match = PATTERN.exec(text.trim());
  if (!match) {
    const hint = /^[a-z0-9.*-]+(:[0-9*]+)?$/i.test(text) ? `add the scheme: "https://${text}" (or "http://${text}")` : HOST_PATTERN_HINT;
    return { error: `${shown} is not an origin pattern`, hint };
  }
  const [, scheme, written, portText] = match as unknown as [string, 'http' | 'https' | '*', string, string | undefined];
  const host = written.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const bracketed = written.startsWith('[');
  const valid = bracketed ? isIPv6(host)
    : host === '*' || isIPv4(host) || isHostName(host.startsWith('*.') ? host.slice(2) : host);
  if (!valid) return { error: `${shown}: "${written}" is not a host name or address`, hint: HOST_PATTERN_HINT };
  const port = portText === undefined ? undefined : portText === '*' ? '*' : Number(portText);
  if (typeof port === 'number' && (port < 1 || port > 65535)) return { error: `${shown}: port ${port} is out of range`, hint: 'use a port from 1 to 65535, or * for any' };
  return { pattern: { text: text.trim(), scheme, host, port } };
}

/** The outbound keys of one function, with their defaults. */
export function readOutbound(item: Item): OutboundSpec | undefined {
  const allowedHosts = readAllowedHosts(item, item.entries.get('allowed_outbound_hosts'));
  const timeoutMs = optionalWith(item, 'outbound_timeout', DEFAULT_OUTBOUND_TIMEOUT_MS,
    (e) => readMeasure(item, e, (raw) => parseTimeout(raw, 'outbound_timeout'), TIMEOUT_HINT));
  const maxBytes = optionalWith(item, 'outbound_max_bytes', DEFAULT_OUTBOUND_MAX_BYTES,
    (e) => readMeasure(item, e, (raw) => parseSize(raw, 'outbound_max_bytes'), SIZE_HINT));
  const maxConcurrent = optionalWith(item, 'outbound_max_concurrent', DEFAULT_OUTBOUND_MAX_CONCURRENT,
    (e) => readInteger(item, e, 1, MAX_OUTBOUND_MAX_CONCURRENT));
  if (allowedHosts === undefined || timeoutMs === undefined || maxBytes === undefined || maxConcurrent === undefined) return undefined;
  return { allowedHosts, timeoutMs, maxBytes, maxConcurrent };
}

function readAllowedHosts(item: Item, entry: Entry | undefined): HostPattern[] | undefined {
  if (entry === undefined || isEmptyValue(entry.value)) return [];
  const { src, prefix } = item;
  if (!isSeq(entry.value)) {
    const hint = isScalar(entry.value) && typeof entry.value.value === 'string'
      ? `write a list: allowed_outbound_hosts: [${JSON.stringify(entry.value.value)}]` : HOST_PATTERN_HINT;
    src.report(entry, `${prefix}"allowed_outbound_hosts" must be a list of origins, not ${describe(entry.value)}`, hint);
    return undefined;
  }
  const patterns: HostPattern[] = [];
  let valid = true;
  entry.value.items.forEach((node, index) => {
    const value = src.resolve(node);
    const where = `${prefix}allowed_outbound_hosts[${index}]`;
    if (!isScalar(value) || typeof value.value !== 'string') {
      src.report(value ?? entry, `${where} must be a string, not ${describe(value)}`, HOST_PATTERN_HINT);
      valid = false;
      return;
    }
    const parsed = parseHostPattern(value.value);
    if ('error' in parsed) {
      src.report(value, `${where}: ${parsed.error}`, parsed.hint);
      valid = false;
    } else patterns.push(parsed.pattern);
  });
  return valid ? patterns : undefined;
}
