// The soak: the highest sustainable rate, held for a minute, with zero errors
// and the daemon's and runners' memory, fds and runner count flat from the
// first 10 s to the last. See bench/README.md, "soak".
//
//   npm run soak -- [--seconds S] [--warmup S] [--connections C] [--quick] [--json FILE]
//   node dist/bench/soak.js ...
//
// Load: wrk (Debian's, closed loop, no -R) at a fixed number of connections
// against the bench project's HTTP function (bench/functions/stamp.wat) on a
// real daemon (bench/http-server.ts). Without --connections, a short ramp
// (3 s each at 1, 2, 4, ... 64 connections) picks the fewest connections
// within 5% of the best throughput seen: a closed-loop client's rate is
// sustainable by construction, and beyond that point more connections only
// queue. A warm-up at that load (60 s; --warmup 0 for none) lets the daemon's V8
// heap grow to its working size first: measured here, the daemon's RSS climbs
// for about a minute at ~15,000 requests/s and then holds (bench/README.md).
// Every second (warm-up too) the driver samples /proc: the daemon's RSS and fds,
// every runner's RSS and fds, how many runners there are, and the daemon's
// connections on the gateway's port. Only the samples taken while the daemon
// held exactly wrk's connections are judged: each connection is an fd, so a
// sample from before wrk connected (or after it hung up) is a different load.
//
// exit status: 0 flat and no errors, 1 a run failed, 2 usage or a missing tool, 3 an error or a series that grew
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, runBench } from './cli.js';
import { figureOf } from './figures.js';
import { connectionsOn, descendantPids, fdCount, flatness, rssBytes, sampleDuring, sumOver, underLoad, type Connections, type Tolerance } from './proc.js';
import { parseOptions, table, wholeNumber, writeJson } from './report.js';
import { buildBenchProject, ServerProcess } from './server-process.js';
import { wrk } from './wrk.js';

const WINDOW = 10; // seconds at each end that are compared
const MIN_SECONDS = 2 * WINDOW + 5;
const MiB = 1 << 20;

const wrkOn = (port: number, connections: number, seconds: number) => wrk(`http://127.0.0.1:${port}/`, connections, seconds);

/** The fewest connections whose throughput is within 5% of the best of the ramp, with no errors;
 * the ramp ends once two steps in a row brought no more than 5% over the best before them. */
async function findConnections(port: number, stepSeconds: number): Promise<number> {
  const tried: { connections: number; rps: number }[] = [];
  let best = 0;
  let flatSteps = 0;
  for (let c = 1; c <= 64 && flatSteps < 2; c *= 2) {
    const r = await wrkOn(port, c, stepSeconds);
    process.stderr.write(`  ${c} connections: ${r.rps.toFixed(0)} requests/s, ${r.errors} errors\n`);
    if (r.errors > 0) break;
    tried.push({ connections: c, rps: r.rps });
    flatSteps = r.rps > best * 1.05 ? 0 : flatSteps + 1;
    best = Math.max(best, r.rps);
  }
  if (tried.length === 0) throw new BenchError('even one connection saw errors', 1);
  return tried.find((t) => t.rps >= best * 0.95)!.connections;
}

interface Sample {
  daemonRss: number; daemonFds: number; runnerRss: number; runnerFds: number; runners: number; perRunnerRss: Map<number, number>;
  /** the daemon's connections on the gateway's port: the load's */
  connections: Connections;
}

function sample(daemonPid: number, port: number): Sample {
  const runners = descendantPids(daemonPid);
  return {
    daemonRss: rssBytes(daemonPid), daemonFds: fdCount(daemonPid),
    runnerRss: sumOver(runners, rssBytes), runnerFds: sumOver(runners, fdCount), runners: runners.length,
    perRunnerRss: new Map(runners.map((pid) => [pid, rssBytes(pid)])),
    connections: connectionsOn(daemonPid, port),
  };
}

/** wrk for `seconds`, sampling the daemon and its runners every second meanwhile. */
const sampledWrk = (daemonPid: number, port: number, connections: number, seconds: number) =>
  sampleDuring(() => wrkOn(port, connections, seconds), () => sample(daemonPid, port), 1000);

/** The samples taken while the daemon held all of wrk's connections (proc.ts, underLoad), enough to judge. */
function steadyState(samples: Sample[], connections: number): Sample[] {
  const steady = underLoad(samples, connections);
  if (steady.length >= 2 * WINDOW) return steady;
  const last = samples.at(-1)?.connections;
  throw new BenchError(`only ${steady.length} of ${samples.length} samples saw the daemon hold exactly wrk's ${connections} connections ` +
    `(last seen: ${last?.established ?? 0} established, ${last?.other ?? 0} closing); ${2 * WINDOW} are needed`, 1);
}

/** A series judged for flatness, with its tolerance in words. */
interface Series { name: string; values: number[]; unit: 'MiB' | ''; tolerance: Tolerance }

const MEMORY: Tolerance = { fraction: 0.1, absolute: 4 * MiB };
const COUNT: Tolerance = { fraction: 0, absolute: 2 };
const RUNNERS: Tolerance = { fraction: 0, absolute: 0 };

function seriesOf(samples: Sample[]): Series[] {
  const series: Series[] = [
    { name: 'daemon RSS', values: samples.map((s) => s.daemonRss), unit: 'MiB', tolerance: MEMORY },
    { name: 'daemon fds', values: samples.map((s) => s.daemonFds), unit: '', tolerance: COUNT },
    { name: 'runners RSS (all)', values: samples.map((s) => s.runnerRss), unit: 'MiB', tolerance: MEMORY },
    { name: 'runners fds (all)', values: samples.map((s) => s.runnerFds), unit: '', tolerance: COUNT },
    { name: 'runner count', values: samples.map((s) => s.runners), unit: '', tolerance: RUNNERS },
  ];
  // Every runner that lived through the whole soak, on its own.
  for (const pid of samples[0]!.perRunnerRss.keys()) {
    const values = samples.map((s) => s.perRunnerRss.get(pid) ?? NaN);
    if (values.every((v) => Number.isFinite(v))) series.push({ name: `runner ${pid} RSS`, values, unit: 'MiB', tolerance: MEMORY });
  }
  return series;
}

const show = (value: number, unit: Series['unit']) => (unit === 'MiB' ? (value / MiB).toFixed(1) : value.toFixed(1));
const toleranceText = (t: Tolerance, unit: Series['unit']) =>
  t.fraction === 0 ? `+${show(t.absolute, unit)}` : `+max(${t.fraction * 100}%, ${show(t.absolute, unit)} ${unit})`;

async function main(argv: string[]): Promise<number> {
  const { common, values } = parseOptions(argv, { seconds: { type: 'string' }, connections: { type: 'string' }, warmup: { type: 'string' } }, 1, 1);
  const seconds = wholeNumber(values.seconds as string | undefined, '--seconds', common.quick ? MIN_SECONDS : 60);
  const warmup = values.warmup === '0' ? 0 : wholeNumber(values.warmup as string | undefined, '--warmup', common.quick ? 10 : 60);
  if (seconds < MIN_SECONDS) throw new BenchError(`--seconds must be at least ${MIN_SECONDS} (the first and last ${WINDOW} s are compared)`);
  const work = mkdtempSync(join(tmpdir(), 'embly-bench-soak-'));
  await buildBenchProject();
  const server = await ServerProcess.start('embly', ['embly'], work, []);
  try {
    const port = server.ports.stamp!;
    const connections = values.connections
      ? wholeNumber(values.connections as string, '--connections', 1)
      : (process.stderr.write('finding the highest sustainable rate:\n'), await findConnections(port, common.quick ? 2 : 3));
    let warm: Sample[] = [];
    if (warmup > 0) {
      process.stderr.write(`warming up at ${connections} connections for ${warmup} s ...\n`);
      const warming = await sampledWrk(server.pid, port, connections, warmup);
      if (warming.result.errors > 0) throw new BenchError(`${warming.result.errors} errors while warming up`, 1);
      warm = warming.samples;
    }
    process.stderr.write(`soaking at ${connections} connections for ${seconds} s ...\n`);
    const { result: load, samples: all } = await sampledWrk(server.pid, port, connections, seconds);
    const samples = steadyState(all, connections);
    const judged = seriesOf(samples).map((s) => ({ ...s, ...flatness(s.values, WINDOW, s.tolerance) }));

    console.log(`soak: ${warmup} s of warm-up, then ${seconds} s of wrk at ${connections} connections on the stamp function: ${load.rps.toFixed(0)} requests/s, ${load.requests} requests, ${load.errors} errors`);
    console.log(table([
      ['series', `first ${WINDOW} s`, `last ${WINDOW} s`, 'growth allowed', 'flat'],
      ...judged.map((s) => [s.name + (s.unit ? ` (${s.unit})` : ''), show(s.first, s.unit), show(s.last, s.unit), toleranceText(s.tolerance, s.unit), s.flat ? 'yes' : 'NO']),
    ]));
    // Every series in 10 s steps: a plateau and a steady climb look alike at the two ends only.
    const steps = (values: number[], unit: number) => Array.from({ length: Math.floor(values.length / WINDOW) }, (_, i) => (values.slice(i * WINDOW, (i + 1) * WINDOW).reduce((a, b) => a + b, 0) / WINDOW / unit).toFixed(1)).join(' ');
    if (warm.length >= WINDOW) console.log(`daemon RSS by ${WINDOW} s while warming up (MiB): ${steps(warm.map((w) => w.daemonRss), MiB)}`);
    for (const s of judged.filter((j) => !j.name.startsWith('runner ') && j.name !== 'runner count')) {
      console.log(`${`${s.name} by ${WINDOW} s${s.unit ? ` (${s.unit})` : ''}:`.padEnd(26)} ${steps(s.values, s.unit === 'MiB' ? MiB : 1)}`);
    }
    console.log(`judged: ${samples.length} of ${all.length} samples, those taken while the daemon held all ${connections} of wrk's connections`);
    const flat = judged.every((s) => s.flat);
    console.log(`errors: ${load.errors === 0 ? 'none' : load.errors}; flat: ${flat ? 'yes' : 'NO'}`);
    const command = `npm run soak -- --seconds ${seconds} --warmup ${warmup} --connections ${connections}`;
    const daemonRss = judged[0]!;
    writeJson(common, 'soak', [
      figureOf({ section: 'Soak', figure: `sustained rate (${connections} connections, ${seconds} s, ${load.errors} errors)`, unit: 'requests/s', runs: [load.rps], goal: { text: 'zero errors, everything flat', met: load.errors === 0 && flat }, command }),
      figureOf({ section: 'Soak', figure: 'daemon RSS, last 10 s', unit: 'MiB', runs: [daemonRss.last / MiB], baseline: { name: 'daemon RSS, first 10 s', runs: [daemonRss.first / MiB] }, command }),
      figureOf({ section: 'Soak', figure: 'daemon fds, last 10 s', unit: 'fds', runs: [judged[1]!.last], baseline: { name: 'daemon fds, first 10 s', runs: [judged[1]!.first] }, command }),
    ]);
    return load.errors === 0 && flat ? 0 : 3;
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
