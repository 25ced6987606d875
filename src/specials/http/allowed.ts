// Which origins a function may call: its allowed_outbound_hosts
// (src/project/outbound.ts parses them), matched against a request's
// scheme, host and port; and which addresses a connection to an allowed
// origin may use (addresses.ts).
import { isIP } from 'node:net';
import type { HostPattern } from '../../project/index.js';
import { isInternalAddress } from './addresses.js';

/** A request's origin, as the URL of its target gives it. */
export interface Origin {
  scheme: 'http' | 'https';
  /** lower case; an IPv6 address without its brackets */
  host: string;
  port: number;
}

export const DEFAULT_PORTS = { http: 80, https: 443 } as const;

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

function matches(pattern: HostPattern, origin: Origin): boolean {
  if (pattern.scheme !== '*' && pattern.scheme !== origin.scheme) return false;
  const port = pattern.port ?? DEFAULT_PORTS[origin.scheme];
  return (port === '*' || port === origin.port) && hostMatches(pattern.host, origin.host);
}

/** The pattern a call to an origin goes out under: it names the origin's
 * metrics series, and says whether internal addresses are open to it. */
export interface Allowance {
  pattern: HostPattern;
  /** the host is written out in it (no wildcard): whatever it resolves to is meant */
  explicit: boolean;
}

export class OriginPolicy {
  constructor(readonly patterns: readonly HostPattern[]) {}

  /** The first pattern that allows `origin` (one with the host written out
   * first), or why none does. */
  check(origin: Origin): Allowance | { refused: string } {
    let wildcard: HostPattern | undefined;
    for (const pattern of this.patterns) {
      if (!matches(pattern, origin)) continue;
      if (!pattern.host.includes('*')) return { pattern, explicit: true };
      wildcard ??= pattern;
    }
    if (!wildcard) return { refused: 'it is not in allowed_outbound_hosts' };
    // A wildcard opens no internal address, and an IP written as the host may be one.
    if (isIP(origin.host) && isInternalAddress(origin.host)) {
      return { refused: `${origin.host} is an internal address, which "${wildcard.text}" does not open: list the address itself` };
    }
    return { pattern: wildcard, explicit: false };
  }

  /** Whether a connection for `origin`, allowed by `allowance`, may use
   * `address`: a public one, or an internal one when the host name was
   * listed exactly, or the address itself is (for the same scheme and port). */
  addressAllowed(origin: Origin, allowance: Allowance, address: string): boolean {
    if (allowance.explicit || !isInternalAddress(address)) return true;
    const listed = this.check({ ...origin, host: address.toLowerCase() });
    return 'explicit' in listed && listed.explicit;
  }
}
