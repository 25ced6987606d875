// The bytes a guest reads back from embly/http: one HTTP/1.1 response that
// Embly writes from what the origin sent (undici has parsed and checked it):
// its status and end-to-end headers, framed by Content-Length when the origin
// gave one and chunked otherwise, hop-by-hop headers left out. And Embly's
// own answers when no origin answered (403, 502, 504, ...).
import { STATUS_CODES } from 'node:http';
import { errorResponse } from '../../gateways/http/error-response.js';

/** RFC 9110 §7.6.1: a connection's own, never forwarded (and the framing, which Embly sets). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length',
]);

export type HeaderValues = Record<string, string | string[] | undefined>;

/** The header names a Connection field lists: hop-by-hop too. */
export function connectionOptions(value: string | string[] | undefined): Set<string> {
  const listed = Array.isArray(value) ? value.join(',') : value ?? '';
  return new Set(listed.split(',').map((o) => o.trim().toLowerCase()).filter(Boolean));
}

export function isHopByHop(name: string, connection: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || connection.has(name);
}

/** Embly's own header on its own answers: an origin cannot send it to the guest. */
export const EMBLY_ERROR_HEADER = 'embly-error';

/** Statuses and requests whose responses have no body (RFC 9110 §6.4.1). */
export function isBodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status < 200 || status === 204 || status === 304;
}

export interface ResponseHeadOptions {
  status: number;
  statusText: string | undefined;
  headers: HeaderValues;
  /** the body's length when known: Content-Length; null: chunked; undefined: no body */
  length: number | null | undefined;
}

/** The status line and headers, through the blank line. */
export function responseHead({ status, statusText, headers, length }: ResponseHeadOptions): Buffer {
  const connection = connectionOptions(headers.connection);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? statusText ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isHopByHop(name, connection) || name === EMBLY_ERROR_HEADER) continue;
    for (const one of Array.isArray(value) ? value : [value]) head += `${name}: ${one}\r\n`;
  }
  // A HEAD or 304 answer keeps the length the origin stated: it describes the body not sent.
  const stated = headers['content-length'];
  if (length === undefined && typeof stated === 'string' && status !== 204 && status >= 200) head += `content-length: ${stated}\r\n`;
  if (typeof length === 'number') head += `content-length: ${length}\r\n`;
  else if (length === null) head += 'transfer-encoding: chunked\r\n';
  return Buffer.from(`${head}\r\n`, 'latin1');
}

const CRLF = Buffer.from('\r\n');
export const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** One chunk of a chunked body: size line, bytes, CRLF. */
export function chunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
}

/** Why Embly answered instead of an origin, in the Embly-Error header. */
export type OutboundFailure =
  | 'bad-request' | 'not-allowed' | 'too-many-calls' | 'unreachable' | 'timeout' | 'too-large' | 'bad-response';

/** Embly's own answer: "502 Bad Gateway: <reason>" as text, and which failure in Embly-Error. */
export function failureResponse(status: number, failure: OutboundFailure, reason: string): Buffer {
  return errorResponse(status, reason, `Embly-Error: ${failure}\r\n`);
}
