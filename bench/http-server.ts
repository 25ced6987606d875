// A server process for the HTTP benchmark (bench/http.ts forks it with an IPC
// channel; it is not meant to be run by hand):
//
//   node dist/bench/http-server.js plain
//       a plain Node `http` hello server answering the same bytes as the
//       benchmark's function (bench/functions/stamp.wat), and a plain TCP echo
//       server (for bench/stream.ts), on 127.0.0.1:0
//
//   node dist/bench/http-server.js v8 | cgi
//       the per-request baselines (bench/per-request.ts): a Node `http` server
//       that runs a new WebAssembly instance of the same function (v8), or
//       starts a native process (cgi), for every request; on 127.0.0.1:0
//
//   node dist/bench/http-server.js embly [--runners N] [--metrics]
//       Embly's daemon (src/daemon/daemon.ts, as `embly run` starts it) serving
//       bench/functions/, every gateway on 127.0.0.1:0, its master on a socket
//       in a temporary directory
//
// It says {type: 'ready', ports, pid} once listening. In embly mode the driver
// can switch on a probe ({type: 'probe', on}) that times every spawn inside the
// daemon without changing it: it subscribes to the gateway's requestStart
// diagnostics channel and the master's 'started' event, wraps the Master
// instance's `openEndpoint` and the `spawn` and `write` of the endpoints it
// opens (the calls an HTTP gateway request makes, in that order), and reads
// the instants the function wrote into its response (X-Start-Ns, X-Read-Ns,
// CLOCK_MONOTONIC like process.hrtime). Off, it leaves the master untouched.
// {type: 'collect'} answers
// {type: 'samples', samples} and forgets them. {type: 'runners'} answers the
// pids of the live runner processes (for perf). {type: 'stop'} stops and exits.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildProject } from '../src/compile/project-build.js';
import { Daemon } from '../src/daemon/daemon.js';
import type { Endpoint, EndpointHandler, InstanceStarted, Master } from '../src/master/master.js';
import { MAX_REQUEST_HEAD_BYTES, requestStart } from '../src/gateways/http/index.js';
import { loadProject } from '../src/project/index.js';
import { buildCgiProgram, cgiProgram, perRequestHandler, v8Program, type Program } from './per-request.js';
import { BENCH_PROJECT, SEQUENCE_HEADER, type DriverMessage, type ServerMessage, type SpawnSample } from './http-common.js';

const send = (message: ServerMessage) => process.send!(message);
const now = () => Number(process.hrtime.bigint());

// ------------------------------------------------------------------ plain

/** The function's response, byte for byte, with this process's own instants. */
const BODY = 'Hello from Embly bench!\n';
const digits = (ns: bigint) => ns.toString().padStart(20, '0');

function plainHello(_req: IncomingMessage, res: ServerResponse): void {
  const started = digits(process.hrtime.bigint());
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': BODY.length,
    'X-Start-Ns': started,
    'X-Read-Ns': started,
    // What Node would add itself, in the function's order (the gateway adds only Date).
    Connection: 'keep-alive',
    'Keep-Alive': 'timeout=5',
  });
  res.end(BODY);
}

async function servePlain(): Promise<() => Promise<void>> {
  // The gateway's options, so that both parse requests alike.
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, keepAlive: true }, plainHello);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The streaming benchmark's baseline: bytes back as they come, with backpressure.
  const echo = createNetServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve, reject) => {
    echo.once('error', reject);
    echo.listen(0, '127.0.0.1', () => resolve());
  });
  send({ type: 'ready', pid: process.pid, ports: { plain: (server.address() as AddressInfo).port, echo: (echo.address() as AddressInfo).port } });
  return async () => {
    server.closeAllConnections();
    echo.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

// ------------------------------------------------------- per request

async function servePerRequest(mode: 'v8' | 'cgi'): Promise<() => Promise<void>> {
  let program: Program;
  let cleanup = () => {};
  if (mode === 'v8') {
    const built = await buildProject(await loadProject(BENCH_PROJECT));
    program = await v8Program(built.find((f) => f.spec.name === 'stamp')!.wasmPath);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'embly-bench-cgi-'));
    program = cgiProgram(await buildCgiProgram(dir));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, keepAlive: true }, perRequestHandler(program));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  send({ type: 'ready', pid: process.pid, ports: { [mode]: (server.address() as AddressInfo).port } });
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    cleanup();
  };
}

// ------------------------------------------------------------------ embly

const headerValue = (text: string, name: string): number => {
  const at = text.indexOf(`\r\n${name}: `);
  if (at < 0) return -1;
  const start = at + name.length + 4;
  const end = text.indexOf('\r\n', start);
  return Number(text.slice(start, end < 0 ? undefined : end));
};

/** Wraps the master's gateway-facing call to time each spawn. Off, the
 * master is untouched: the wrapper is an own property of the instance that
 * shadows its method only while the probe is on, and the endpoints it
 * opens shadow theirs for their one request. */
class Probe {
  private readonly open = new Map<bigint, Partial<SpawnSample>>();

  /** when the gateway last read a request head: it opens its endpoint synchronously after */
  private requestStarted = 0;
  private readonly onRequestStart = () => { this.requestStarted = now(); };
  /** the master read the runner's STARTED */
  private readonly onStarted = (s: InstanceStarted) => {
    const sample = this.open.get(s.parent);
    if (!sample) return;
    sample.spawnResolved = now();
    sample.spawnRead = s.spawnReadNs;
    sample.ranAt = s.ranAtNs;
  };

  constructor(private readonly master: Master) {}

  set on(on: boolean) {
    const master = this.master as unknown as Record<'openEndpoint', unknown>;
    if (!on) {
      requestStart.unsubscribe(this.onRequestStart);
      this.master.off('started', this.onStarted);
      delete master.openEndpoint;
      this.open.clear();
      return;
    }
    requestStart.subscribe(this.onRequestStart);
    this.master.on('started', this.onStarted);
    const m = this.master;
    const openEndpoint = (Object.getPrototypeOf(m) as Master).openEndpoint;
    master.openEndpoint = (handler: EndpointHandler): Endpoint => {
      const sample: Partial<SpawnSample> = { requestStarted: this.requestStarted };
      const endpoint = openEndpoint.call(m, {
        onData: (bytes) => {
          if (sample.responseArrived === undefined) {
            sample.responseArrived = now();
            const head = Buffer.from(bytes).toString('latin1');
            sample.functionStarted = headerValue(head, 'X-Start-Ns');
            sample.requestRead = headerValue(head, 'X-Read-Ns');
            this.finish(endpoint.address);
          }
          return handler.onData(bytes);
        },
        onClose: () => handler.onClose(),
        onDrain: () => handler.onDrain(),
        onSpawnError: (e) => {
          this.open.delete(endpoint.address);
          handler.onSpawnError(e);
        },
        onExit: (reason, code) => {
          this.open.delete(endpoint.address);
          handler.onExit(reason, code);
        },
      });
      const { spawn, write } = endpoint;
      endpoint.spawn = (fn: string) => {
        sample.function = fn;
        sample.spawnCalled = now();
        spawn.call(endpoint, fn);
      };
      endpoint.write = (bytes: Uint8Array) => {
        if (sample.seq === undefined) sample.seq = headerValue(Buffer.from(bytes).toString('latin1'), SEQUENCE_HEADER);
        return write.call(endpoint, bytes);
      };
      this.open.set(endpoint.address, sample);
      return endpoint;
    };
  }

  private readonly finished: Partial<SpawnSample>[] = [];

  /** The response has begun: the sample is complete, except perhaps for
   * spawnResolved (a gateway that streams the request before STARTED may see
   * the response in the same read as STARTED, before STARTED is handled). */
  private finish(endpoint: bigint): void {
    const sample = this.open.get(endpoint);
    this.open.delete(endpoint);
    if (sample?.spawnCalled !== undefined && sample.functionStarted! > 0) this.finished.push(sample);
  }

  /** The samples so far (forgotten here); spawnResolved is -1 where STARTED was not seen. */
  take(): SpawnSample[] {
    return this.finished.splice(0).map((s) => ({ seq: -1, spawnResolved: -1, spawnRead: -1, ranAt: -1, ...s }) as SpawnSample);
  }
}

function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) pids.push(Number(entry));
    } catch {
      // it ended while we looked
    }
  }
  return pids;
}

async function serveEmbly(runners: number | undefined, metrics: boolean): Promise<() => Promise<void>> {
  const project = await loadProject(BENCH_PROJECT);
  const built = await buildProject(project);
  const socketDir = mkdtempSync(join(tmpdir(), 'embly-bench-http-socket-'));
  const daemon = new Daemon({
    project, built, host: '127.0.0.1', runnersPerFunction: runners,
    metrics: metrics ? { host: '127.0.0.1', port: 0 } : undefined, // recorded; scraped between runs only (bench/spawn-histogram.ts)
    socketPath: join(socketDir, 'embly.sock'),
    portOverrides: new Map(project.gateways.map((g) => [g.name, 0])),
    // Default logging, as `embly run` does it (the driver sends our stderr to a file).
  });
  const probe = new Probe(daemon.master);
  const gateways = await daemon.start();
  process.on('message', (m: DriverMessage) => {
    if (m.type === 'probe') probe.on = m.on;
    else if (m.type === 'collect') send({ type: 'samples', samples: probe.take() });
    else if (m.type === 'runners') send({ type: 'runners', pids: childPids(process.pid) });
  });
  send({ type: 'ready', pid: process.pid, ports: Object.fromEntries(gateways.map((g) => [g.function, g.port])), metricsPort: daemon.metricsPort });
  return async () => {
    await daemon.stop();
    rmSync(socketDir, { recursive: true, force: true });
  };
}

// ------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/http-server.js is started by bench/http.js (it needs an IPC channel)');
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { runners: { type: 'string' }, metrics: { type: 'boolean', default: false } } });
  const mode = positionals[0];
  let stop: () => Promise<void>;
  if (mode === 'plain') stop = await servePlain();
  else if (mode === 'v8' || mode === 'cgi') stop = await servePerRequest(mode);
  else if (mode === 'embly') stop = await serveEmbly(values.runners ? Number(values.runners) : undefined, values.metrics);
  else throw new Error(`mode must be plain, v8, cgi or embly, not ${mode}`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  process.on('message', (m: DriverMessage) => { if (m.type === 'stop') void shutdown(); });
  process.on('disconnect', () => void shutdown());
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.stack ?? e.message : String(e);
  if (process.send) send({ type: 'error', message });
  else console.error(message);
  process.exit(1);
});
