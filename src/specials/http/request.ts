// What a guest asks embly/http for: one HTTP/1.1 request whose target is in
// absolute form (`GET https://api.example.com/v1/x HTTP/1.1`), read by the
// gateway's strict reader (src/gateways/http/), and what of it goes on to the
// origin: the method, the path, the end-to-end headers. Host comes from the
// target (RFC 9112 §3.2.2), the framing from undici, hop-by-hop headers stay.
import { HttpSyntaxError, type Framing, type RequestHead } from '../../gateways/http/head.js';
import { connectionOptions, isHopByHop } from './response.js';

/** A request header of Embly's own: follow up to this many redirects (default none). */
export const FOLLOW_REDIRECTS_HEADER = 'embly-follow-redirects';
export const MAX_REDIRECTS = 10;

export interface OutboundRequest {
  method: string;
  url: URL;
  /** the path and query as the guest wrote them (a URL would normalise them) */
  path: string;
  /** name, value, name, value ... in the guest's order */
  headers: string[];
  /** the body's length when it has one of known length */
  length: number | undefined;
  hasBody: boolean;
  redirects: number;
  /** Expect: 100-continue (undici waits for the origin's go-ahead) */
  expectContinue: boolean;
}

const ABSOLUTE = /^(https?):\/\/([^/?#]*)([/?][^#]*)?$/i;
/** Embly sets these itself: Host from the target, the framing from the body. */
const SET_BY_EMBLY = new Set(['host', 'expect', FOLLOW_REDIRECTS_HEADER]);
const FIELD_LINE = /\r\n([^:\r\n]+):[ \t]*([^\r\n]*?)[ \t]*(?=\r\n)/g;

/** The guest's request, or an HttpSyntaxError (answered 400). */
export function outboundRequest(head: RequestHead, framing: Framing, raw: Buffer): OutboundRequest {
  const target = ABSOLUTE.exec(head.target);
  if (!target) {
    throw new HttpSyntaxError(`the target must be an absolute http(s) URL without a fragment, as in "GET https://example.com/path HTTP/1.1"; got ${JSON.stringify(head.target.slice(0, 100))}`);
  }
  const [, , authority, path = '/'] = target as unknown as [string, string, string, string | undefined];
  if (authority.includes('@')) throw new HttpSyntaxError('the target has user information: send credentials in an Authorization header');
  let url: URL;
  try {
    url = new URL(head.target);
  } catch {
    throw new HttpSyntaxError(`the target ${JSON.stringify(head.target.slice(0, 100))} is not a valid URL`);
  }
  if (!url.hostname) throw new HttpSyntaxError('the target has no host');
  const text = raw.toString('latin1', 0, raw.length - 2);
  const fields = [...text.matchAll(FIELD_LINE)].map((m) => [m[1]!, m[2]!] as const);
  const connection = connectionOptions(fields.filter(([n]) => n.toLowerCase() === 'connection').map(([, v]) => v));
  const headers: string[] = [];
  let redirects = 0;
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (lower === FOLLOW_REDIRECTS_HEADER) redirects = redirectCount(value);
    if (isHopByHop(lower, connection) || SET_BY_EMBLY.has(lower)) continue;
    headers.push(name, value);
  }
  return {
    method: head.method, url, path: path.startsWith('?') ? `/${path}` : path, headers, redirects,
    length: framing.kind === 'length' ? framing.length : undefined,
    hasBody: framing.kind !== 'none',
    expectContinue: head.fields.expect.includes('100-continue'),
  };
}

function redirectCount(value: string): number {
  if (!/^[0-9]{1,2}$/.test(value) || Number(value) > MAX_REDIRECTS) {
    throw new HttpSyntaxError(`${FOLLOW_REDIRECTS_HEADER} must be a number of redirects from 0 to ${MAX_REDIRECTS}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
