// What recording one observation costs the daemon's request path, in ns:
// the recorders of src/metrics/recorder.ts, their scrape-time flush
// amortized over the observations (one flush per SCRAPE_EVERY), against
// prom-client's own observe() called once per observation.
//   node dist/bench/recorder.js [--observations N] [--rounds R]
import { Histogram, Registry } from 'prom-client';
import { ExemplarHistogramRecorder, HistogramRecorder } from '../src/metrics/recorder.js';
import { SPAWN_BUCKETS } from '../src/metrics/instances.js';

const SCRAPE_EVERY = 100_000; // e.g. 10,000 requests/s scraped every 10 s

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

/** Spawn-like latencies, log-uniform from 10 µs to 10 ms. */
function values(n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 10e-6 * 1000 ** Math.random();
  return out;
}

function histogram(exemplars: boolean): Histogram {
  const registry = new Registry();
  if (exemplars) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
  return new Histogram({ name: 'h_seconds', help: 'h', buckets: SPAWN_BUCKETS, labelNames: ['function', 'isolation', 'start'], registers: [registry], enableExemplars: exemplars });
}

const ADDRESS = 0x7f00_0001_0000_0002n;
const LABELS = { function: 'hello', isolation: 'instance', start: 'warm' };

type Case = (observations: Float64Array) => void;

const cases: Record<string, () => Case> = {
  'prom-client observe()': () => {
    const h = histogram(false);
    return (obs) => { for (let i = 0; i < obs.length; i++) h.observe(LABELS, obs[i]!); };
  },
  HistogramRecorder: () => {
    const r = new HistogramRecorder(histogram(false), LABELS);
    return (obs) => {
      for (let i = 0; i < obs.length; i++) {
        r.record(obs[i]!);
        if (i % SCRAPE_EVERY === SCRAPE_EVERY - 1) r.flush();
      }
      r.flush();
    };
  },
  ExemplarHistogramRecorder: () => {
    const r = new ExemplarHistogramRecorder(histogram(true), LABELS, (address) => ({ address: address.toString(16) }));
    return (obs) => {
      for (let i = 0; i < obs.length; i++) {
        r.record(obs[i]!, ADDRESS);
        if (i % SCRAPE_EVERY === SCRAPE_EVERY - 1) r.flush();
      }
      r.flush();
    };
  },
};

const observations = values(option('--observations', 1_000_000));
const rounds = option('--rounds', 5);
for (const [name, make] of Object.entries(cases)) {
  const run = make();
  run(observations.subarray(0, 10_000)); // warm up the JIT
  const ns: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    run(observations);
    ns.push(Number(process.hrtime.bigint() - start) / observations.length);
  }
  ns.sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} ns/observation: best ${ns[0]!.toFixed(1)}, median ${ns[Math.floor(ns.length / 2)]!.toFixed(1)}`);
}
