// The control protocol (docs/service.md, "The control protocol"): JSON
// lines over a Unix stream socket. A client writes one request object per
// line; the daemon answers each with one `result` or `error` line, or with
// `event` lines first (logs), all carrying the request's id.
import { ControlRequestError } from '../errors.js';

export const CONTROL_METHODS = ['status', 'instances', 'logs', 'reload', 'stop'] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export type RequestId = string | number;

export interface ControlRequest { id: RequestId; method: string; params?: Record<string, unknown>; }

/** `code` is the error catalogue's (docs/errors.md); `exitCode` the status the
 * error carries, which a wrapper takes from its cause, for a client that exits with it. */
export interface ControlErrorBody { code: string; message: string; exitCode?: number; }

export type ControlResponse =
  | { id: RequestId | null; result: unknown }
  | { id: RequestId | null; error: ControlErrorBody }
  | { id: RequestId; event: unknown };

/** A request line longer than this drops the connection: no honest request is near it. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** What a client takes in one answer line (a status of many functions, a long log line). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Splits a byte stream into lines; a line longer than `max` bytes throws. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, start)) {
      this.keep(chunk.subarray(start, at));
      lines.push(Buffer.concat(this.pending).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = at + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  private keep(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.max) throw new ControlRequestError(`a line longer than ${this.max} bytes`);
    if (part.length > 0) this.pending.push(part);
  }
}

/** A request line, checked: an object with an id and a method name. */
export function parseRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ControlRequestError('the request is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ControlRequestError('the request is not a JSON object');
  const { id, method, params } = value as Record<string, unknown>;
  if (typeof id !== 'string' && typeof id !== 'number') throw new ControlRequestError('the request has no "id" (a string or a number)');
  if (typeof method !== 'string') throw new ControlRequestError('the request has no "method"');
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new ControlRequestError('"params" must be an object');
  }
  return { id, method, params: params as Record<string, unknown> | undefined };
}

/** The id of a request line that could not be parsed whole, if it has one: its error answer carries it. */
export function idOf(line: string): RequestId | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

export function isControlMethod(method: string): method is ControlMethod {
  return (CONTROL_METHODS as readonly string[]).includes(method);
}

/** One answer line, newline-terminated. */
export function encodeLine(response: ControlResponse): string {
  return `${JSON.stringify(response)}\n`;
}
