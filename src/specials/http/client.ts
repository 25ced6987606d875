// One function's HTTP client: an undici Agent with a pool of keep-alive
// connections per origin (HTTP/1.1, or HTTP/2 where the origin offers it by
// ALPN), TLS against the daemon's trusted CAs with certificate checks, and a
// lookup per origin that lets through only the addresses its policy allows
// (addresses.ts). Functions do not share connections: each has its own
// permissions and limits.
import type { SecureContext } from 'node:tls';
import { Agent, Pool } from 'undici';
import { guardedLookup } from './addresses.js';
import { DEFAULT_PORTS, type Origin, type OriginPolicy } from './allowed.js';

export interface ClientOptions {
  policy: OriginPolicy;
  /** connect, answer, and each wait for more of the body */
  timeoutMs: number;
  /** the daemon's trusted CAs (trust.ts), asked for at the first TLS connection */
  tls: () => SecureContext;
}

/** How long an idle connection is kept for the next call (undici's default). */
const KEEP_ALIVE_MS = 4000;

export function originOf(url: URL): Origin {
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return { scheme, host: url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase(), port: Number(url.port || DEFAULT_PORTS[scheme]) };
}

export function outboundAgent({ policy, timeoutMs, tls }: ClientOptions): Agent {
  return new Agent({
    allowH2: true,
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: KEEP_ALIVE_MS,
    factory: (originText, options) => {
      const origin = originOf(new URL(String(originText)));
      const allowance = policy.check(origin);
      const allowed = (address: string) => 'pattern' in allowance && policy.addressAllowed(origin, allowance, address);
      const connect = { lookup: guardedLookup(allowed), ...(origin.scheme === 'https' ? { secureContext: tls() } : {}) };
      return new Pool(originText, { ...options, connect });
    },
  });
}
