// The HTTP gateway's own answers. The client is told the status and the
// reason only; what went wrong in detail (the function's name, its limits,
// how its response broke HTTP) goes to the gateway's log.
import type { SpawnError, SpawnFailure } from '../../master/master.js';
import { httpDate } from './date.js';

export interface GatewayFailure {
  status: number;
  /** what the client reads after the status */
  reason: string;
  /** header lines, each ending in CRLF */
  headers?: string;
}

const NOT_STARTED = { reason: 'the function could not be started' };

/** Why no instance ran (master/spawn-error.ts) -> what the client is told. */
const SPAWN_FAILURES: Record<SpawnFailure, Omit<GatewayFailure, 'status'>> = {
  'at-capacity': { reason: 'the function is at capacity', headers: 'Retry-After: 1\r\n' },
  'unknown-function': NOT_STARTED,
  'no-runner': NOT_STARTED,
  'start-timeout': NOT_STARTED,
  'start-failed': NOT_STARTED,
  'not-permitted': NOT_STARTED,
};

/** The answer to a spawn that found no instance: its status is the
 * catalogue's (SpawnError in src/errors.ts: 503 at capacity, else 502). */
export function spawnFailure(error: SpawnError): GatewayFailure {
  return { status: error.httpStatus!, ...SPAWN_FAILURES[error.reason] };
}

/** The function's own failures. */
export const FUNCTION_FAILURES = {
  invalidResponse: { status: 502, reason: 'the function\'s response was not valid HTTP' },
  incompleteResponse: { status: 502, reason: 'the function ended without a complete response' },
  timeout: { status: 504, reason: 'the function did not answer in time' },
} as const satisfies Record<string, GatewayFailure>;

const PHRASES: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/** Every status the gateway answers of its own accord. */
export const GATEWAY_STATUSES: readonly number[] = Object.keys(PHRASES).map(Number);

/** A complete plain-text error response: "503 Service Unavailable: the function is at capacity". */
export function errorResponse(status: number, reason: string, extraHeaders = ''): Buffer {
  const phrase = PHRASES[status] ?? 'Error';
  const body = Buffer.from(`${status} ${phrase}: ${reason}\n`, 'utf8');
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nDate: ${httpDate()}\r\n${extraHeaders}\r\n`, 'latin1'),
    body,
  ]);
}
