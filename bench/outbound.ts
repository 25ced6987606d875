// The outbound HTTP benchmark (run by hand, not in CI): requests per second
// of a function that makes one outbound call per request through embly/http,
// next to a plain Node proxy that does one `fetch` per request, both to the
// same local Node server, in the same run. On loopback only:
//
//   origin       a child Node process: `http` answering a 22-byte text, keep-alive
//   node-proxy   a child Node process: `http` server, `await fetch(origin)` per request
//   node-undici  the same with undici's request() (the client embly/http uses), for scale
//   embly        `embly run` on a one-function project: C, embly_http_send(GET origin)
//
// The three run the whole time; wrk loads one proxy at a time, in rounds with
// a rotating order, so drift in the machine's load spreads over both.
//
//   node dist/bench/outbound.js [--duration S] [--rounds K] [--connections C] [--runners N]

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { packageRoot } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';
import { wrk, type WrkRun } from './wrk.js';

const run = promisify(execFile);
const BODY = 'hello from the origin\n';

const USAGE = `usage: node dist/bench/outbound.js [options]

  --duration S      seconds of each wrk run (default 10)
  --rounds K        rounds of the interleaved measurements (default 3)
  --connections C   wrk connections (default 32; one wrk thread)
  --runners N       runner processes of the Embly function (default: the daemon's, one per core)
  --help            show this text

exit status: 0 done, 1 a server or a request failed, 2 bad usage or a missing tool`;

interface Options { duration: number; rounds: number; connections: number; runners: number | undefined; }

function options(argv: string[]): Options | null {
  const { values } = parseArgs({ args: argv, options: {
    duration: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' }, runners: { type: 'string' }, help: { type: 'boolean' },
  } });
  if (values.help) return null;
  const number = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new BenchError(`--${name} must be a positive integer, not ${JSON.stringify(text)}`);
    return n;
  };
  return {
    duration: number('duration', values.duration), rounds: number('rounds', values.rounds), connections: number('connections', values.connections),
    runners: values.runners === undefined ? undefined : number('runners', values.runners),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ORIGIN_SERVER = `
const body = ${JSON.stringify(BODY)};
require('node:http').createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

const NODE_PROXY = `
const origin = process.argv[2];
require('node:http').createServer(async (req, res) => {
  req.resume();
  try {
    const answer = await fetch(origin);
    const text = await answer.text();
    res.writeHead(answer.status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) }).end(text);
  } catch (e) {
    res.writeHead(502).end(String(e));
  }
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

const UNDICI_PROXY = `
const { request } = require(${JSON.stringify(join(packageRoot, 'node_modules', 'undici'))});
const origin = process.argv[2];
require('node:http').createServer(async (req, res) => {
  req.resume();
  try {
    const answer = await request(origin);
    const text = await answer.body.text();
    res.writeHead(answer.statusCode, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) }).end(text);
  } catch (e) {
    res.writeHead(502).end(String(e));
  }
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

/** C: one embly_http_send per request, its body as the answer. */
const EMBLY_FUNCTION = (origin: string) => `#include "embly.h"
static embly_err_t call(const embly_http_request *req) {
  (void)req;
  embly_http_response res;
  embly_err_t err = embly_http_send("GET", "${origin}/", NULL, 0, NULL, 0, &res);
  if (err != EMBLY_OK) return embly_http_respond_text(EMBLY_HANDLE_PARENT, 500, embly_strerror(err));
  static const embly_http_header type = {"Content-Type", "text/plain"};
  err = embly_http_write_response(EMBLY_HANDLE_PARENT, res.status, &type, 1, res.body, res.body_len);
  embly_http_response_free(&res);
  return err;
}
int main(void) { return embly_http_serve(call) == EMBLY_OK ? 0 : 1; }
`;

/** Starts a process and waits for `ready` on its stdout. */
function startProcess(name: string, command: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new BenchError(`${name} did not start in 120 s:\n${output}`, 1)), 120_000);
    const seen = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) { clearTimeout(timer); resolve(child); }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', (chunk: Buffer) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new BenchError(`${name} exited (${code}):\n${output}`, 1)); });
  });
}

async function checkAnswer(name: string, url: string): Promise<void> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200 || text !== BODY) throw new BenchError(`${name} answered ${response.status} ${JSON.stringify(text)}`, 1);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(argv: string[]): Promise<number> {
  const o = options(argv);
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  await run('wrk', ['--version']).catch((e: { stdout?: string; code?: unknown }) => {
    if (!String(e.stdout ?? '').includes('wrk')) throw new BenchError('wrk is not installed: apt-get install wrk');
  });
  const work = await mkdtemp(join(tmpdir(), 'embly-bench-outbound-'));
  const children: ChildProcess[] = [];
  try {
    const [originPort, proxyPort, undiciPort, emblyPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const origin = `http://127.0.0.1:${originPort}`;
    children.push(await startProcess('origin', process.execPath, ['-e', ORIGIN_SERVER, String(originPort)], /ready/));
    children.push(await startProcess('node-proxy', process.execPath, ['-e', NODE_PROXY, String(proxyPort), `${origin}/`], /ready/));
    children.push(await startProcess('node-undici', process.execPath, ['-e', UNDICI_PROXY, String(undiciPort), `${origin}/`], /ready/));
    await writeFile(join(work, 'call.c'), EMBLY_FUNCTION(origin));
    await writeFile(join(work, 'embly-project.yml'), `functions:
  - name: call
    path: ./call.c
    language: c
    allowed_outbound_hosts: ["${origin}"]
gateways:
  - { name: web, type: http, port: ${emblyPort}, function: call }
`);
    const runners = o.runners === undefined ? [] : ['--runners', String(o.runners)];
    children.push(await startProcess('embly', process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'run', work,
      '--host', '127.0.0.1', '--metrics', 'off', '--socket', join(work, 'embly.sock'), ...runners], /embly: serving/));
    const targets = [
      { name: 'node-proxy', url: `http://127.0.0.1:${proxyPort}/` },
      { name: 'node-undici', url: `http://127.0.0.1:${undiciPort}/` },
      { name: 'embly', url: `http://127.0.0.1:${emblyPort}/` },
    ];
    for (const t of targets) await checkAnswer(t.name, t.url);
    console.log(`bench: outbound, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
      `wrk -t1 -c${o.connections} -d${o.duration}s, ${o.rounds} rounds; origin: Node http, ${BODY.length}-byte body`);
    const results = new Map<string, WrkRun[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < o.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const t of order) {
        const m = await wrk(t.url, o.connections, o.duration);
        results.get(t.name)!.push(m);
        console.log(`  round ${round + 1} ${t.name.padEnd(11)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${(m.p50Ns / 1e3).toFixed(0).padStart(6)} µs  p99 ${(m.p99Ns / 1e3).toFixed(0).padStart(6)} µs${m.errors ? `  ${m.errors} errors` : ''}`);
      }
      const last = (name: string) => results.get(name)!.at(-1)!.rps;
      console.log(`  round ${round + 1} embly / node-proxy: ${(last('embly') / last('node-proxy')).toFixed(2)}x, embly / node-undici: ${(last('embly') / last('node-undici')).toFixed(2)}x`);
    }
    const rps = (name: string) => median(results.get(name)!.map((m) => m.rps));
    console.log(`median req/s: node-proxy ${rps('node-proxy').toFixed(0)}, node-undici ${rps('node-undici').toFixed(0)}, embly ${rps('embly').toFixed(0)}; ` +
      `embly / node-proxy ${(rps('embly') / rps('node-proxy')).toFixed(2)}x, embly / node-undici ${(rps('embly') / rps('node-undici')).toFixed(2)}x`);
    const errors = [...results.values()].flat().reduce((n, m) => n + m.errors, 0);
    return errors > 0 ? 1 : 0;
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
