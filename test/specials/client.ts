// Raw HTTP to a gateway: the exact bytes in and out, so the tests see what
// Embly framed (Node's clients would hide it).
import { connect } from 'node:net';

export interface RawResponse { status: number; head: string; headers: Map<string, string[]>; body: Buffer; raw: Buffer; }

/** Sends `request` (the connection closes after the answer) and reads all
 * that comes back until the connection ends, or is cut. */
export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const parts: Buffer[] = [];
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.on('error', () => {}); // a cut response: what arrived is the answer
    socket.on('close', () => resolve(parseRaw(Buffer.concat(parts))));
  });
}

export function parseRaw(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.toString('latin1', 0, end < 0 ? raw.length : end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(line.indexOf(':') + 1).trim()]);
  }
  return { status: Number(statusLine.split(' ')[1]), head, headers, body: end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4), raw };
}

/** "GET <url> HTTP/1.1" with Host and Connection: close, and a body with its length. */
export function absoluteRequest(method: string, url: string, options: { headers?: string[]; body?: Buffer | string } = {}): Buffer {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const lines = [`${method} ${url} HTTP/1.1`, `Host: ${new URL(url).host}`, 'Connection: close', ...(options.headers ?? [])];
  if (body) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** The de-chunked content of a chunked body. */
export function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error(`not a chunk size at ${at}`);
    if (size === 0) return Buffer.concat(out);
    out.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
