// The HTTP benchmark's per-request baselines (bench/http-server.ts, modes v8
// and cgi): a Node `http` server that answers each request with what a fresh
// program prints for it, given the request's bytes:
//
//   v8   a new WebAssembly.Instance of stamp.wasm (bench/functions/stamp.wat) per request
//        (the module compiled once), through a minimal host of the imports it
//        uses (docs/abi.md): handle 1 reads the request then EOF, writes collect
//        the response; CLOCK_MONOTONIC as the runner gives it.
//   cgi  a process per request (bench/cgi/stamp.c, built here with cc): the
//        request on its stdin, the response from its stdout. A compiled program
//        rather than a script: the cheapest process a CGI server could start,
//        so the comparison is with process-per-request itself, not a shell.
//
// Both hand the program's raw response to Node's `http`, which writes it as
// the plain hello server writes its own (so every target sends the same bytes).

import { execFile, spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../src/paths.js';

const run = promisify(execFile);

/** What a program answers for one request's bytes: a whole HTTP/1.1 response. */
export type Program = (request: Buffer) => Promise<Buffer>;

/** The request as the gateway hands it to a function: the head as it came (GET: no body). */
export function requestBytes(req: IncomingMessage): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** Writes a program's raw response through Node's `http` (status, headers in order, body). */
export function sendRaw(res: ServerResponse, raw: Buffer): void {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0] ?? '');
  if (end < 0 || !status) {
    res.writeHead(502).end();
    return;
  }
  const headers: string[] = [];
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  res.writeHead(Number(status[1]), status[2], headers);
  res.end(raw.subarray(end + 4));
}

export function perRequestHandler(program: Program): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    program(requestBytes(req)).then((raw) => sendRaw(res, raw), () => res.writeHead(500).end());
  };
}

// -------------------------------------------------------------------- v8

const OK = 0;
const EBADF = 8;
const ENOSYS = 52;
const PARENT = 1;

/** The imports stamp.wat uses, for one instance serving one request. */
function hostFor(request: Buffer, memory: () => DataView, response: Buffer[]) {
  let unread = request;
  const bytes = (ptr: number, len: number) => new Uint8Array(memory().buffer, ptr, len);
  return {
    embly: {
      read(handle: number, buf: number, len: number, nreadOut: number): number {
        if (handle !== PARENT) return EBADF;
        const n = Math.min(len, unread.length);
        bytes(buf, n).set(unread.subarray(0, n));
        unread = unread.subarray(n);
        memory().setUint32(nreadOut, n, true); // all of the request is there at once: then EOF
        return OK;
      },
      write(handle: number, buf: number, len: number, nwrittenOut: number): number {
        if (handle !== PARENT) return EBADF;
        response.push(Buffer.from(bytes(buf, len)));
        memory().setUint32(nwrittenOut, len, true);
        return OK;
      },
      // read never answers EAGAIN here, so the function never waits
      events: (_timeout: bigint, _handles: number, _cap: number, nOut: number) => (memory().setUint32(nOut, 0, true), OK),
      close: (handle: number) => (handle === PARENT ? OK : EBADF),
      spawn: () => ENOSYS,
    },
    wasi_snapshot_preview1: {
      clock_time_get(id: number, _precision: bigint, timeOut: number): number {
        if (id !== 1) return ENOSYS; // CLOCK_MONOTONIC only, the clock of process.hrtime
        memory().setBigUint64(timeOut, process.hrtime.bigint(), true);
        return OK;
      },
    },
  };
}

/** The function compiled once; one new instance per request. */
export async function v8Program(wasmPath: string): Promise<Program> {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  return async (request) => {
    const response: Buffer[] = [];
    let view: DataView | undefined;
    let memory: WebAssembly.Memory | undefined;
    const mem = () => (view?.buffer === memory!.buffer ? view! : (view = new DataView(memory!.buffer)));
    const instance = new WebAssembly.Instance(module, hostFor(request, mem, response) as unknown as WebAssembly.Imports);
    memory = instance.exports.memory as WebAssembly.Memory;
    (instance.exports._start as () => void)();
    return Buffer.concat(response);
  };
}

// ------------------------------------------------------------------- cgi

/** Builds bench/cgi/stamp.c into `dir` with the system's cc. */
export async function buildCgiProgram(dir: string): Promise<string> {
  const binary = join(dir, 'stamp-cgi');
  await run('cc', ['-O2', '-o', binary, join(packageRoot, 'bench', 'cgi', 'stamp.c')]);
  return binary;
}

/** A process of `binary` per request: the request on stdin, the response from stdout. */
export function cgiProgram(binary: string): Program {
  return (request) => new Promise((resolve, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${binary} exited with ${code}`))));
    child.stdin!.end(request);
  });
}
