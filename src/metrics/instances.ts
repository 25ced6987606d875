// Instances: spawn latency (cold and warm starts apart, with the slowest
// spawns' addresses as OpenMetrics exemplars), lifetime, ends by reason, how
// many run and how many may (max_instances). What the master's events bring
// is recorded without allocating (recorder.ts; spawns through
// Master.observeSpawns, not an event) and passed to prom-client at
// scrape time. Every series of a function exists from the start, at 0, so
// rates and ratios over it are defined.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { formatAddress } from '../instance-address.js';
import { ExitReason } from '../master/frames.js';
import type { Master } from '../master/master.js';
import type { FunctionSpec } from '../project/index.js';
import { CountRecorder, ExemplarHistogramRecorder, HistogramRecorder } from './recorder.js';

/** 10 µs to 1 s: Embly's spawns take tens of microseconds (docs/metrics.md). */
export const SPAWN_BUCKETS = [10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1];
const DURATION_BUCKETS = [1e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

const REASONS: Record<ExitReason, string> = {
  [ExitReason.Ok]: 'ok', [ExitReason.Error]: 'error', [ExitReason.Trap]: 'trap',
  [ExitReason.Timeout]: 'timeout', [ExitReason.Killed]: 'killed',
};

interface PerFunction { warm: ExemplarHistogramRecorder; cold: ExemplarHistogramRecorder; duration: HistogramRecorder; exits: CountRecorder[]; }

const exemplar = (address: bigint) => ({ address: formatAddress(address) });

/** Makes the series of the functions given, and returns how to make those of
 * another (a reload added it, or changed its isolation). `functions` is read
 * at scrape time: the caller keeps it current. */
export function instanceMetrics(registry: Registry, master: Master, functions: readonly FunctionSpec[]): (f: FunctionSpec) => void {
  const byName = new Map<string, PerFunction>();
  const flush = () => { for (const f of byName.values()) { f.warm.flush(); f.cold.flush(); f.duration.flush(); f.exits.forEach((e) => e.flush()); } };
  const spawn = new Histogram({
    name: 'embly_spawn_duration_seconds', registers: [registry], buckets: SPAWN_BUCKETS, labelNames: ['function', 'isolation', 'start'],
    help: 'From the spawn request (a gateway has the request, a runner a guest\'s spawn call) to the new instance\'s first instruction; start: cold for the first instance of its runner process',
    enableExemplars: true, collect: flush,
  });
  const duration = new Histogram({
    name: 'embly_instance_duration_seconds', registers: [registry], buckets: DURATION_BUCKETS, labelNames: ['function'],
    help: 'From the spawn request to the instance\'s end', collect: flush,
  });
  const exits = new Counter({
    name: 'embly_instance_exits_total', registers: [registry], labelNames: ['function', 'reason'],
    help: 'Instances that ended, by how: ok, error (proc_exit with a code, a limit), trap, timeout, killed', collect: flush,
  });
  new Gauge({
    name: 'embly_instances', registers: [registry], labelNames: ['function'], help: 'Instances running now',
    collect() {
      this.reset(); // a function a reload removed leaves the gauge
      for (const f of functions) this.set({ function: f.name }, master.liveInstances(f.name));
    },
  });
  new Gauge({
    name: 'embly_instances_max', registers: [registry], labelNames: ['function'],
    help: 'The function\'s max_instances: beyond it, a spawn is refused (503 at a gateway)',
    collect() {
      this.reset(); // a function a reload removed leaves the gauge
      for (const f of functions) this.set({ function: f.name }, f.limits.maxInstances);
    },
  });
  /** spawn series made so far ("function isolation start"): zero() on one that exists would reset it */
  const spawnSeries = new Set<string>();
  const spawnRecorder = (f: FunctionSpec, start: 'cold' | 'warm') => {
    const labels = { function: f.name, isolation: f.isolation, start };
    const key = `${f.name} ${f.isolation} ${start}`;
    if (!spawnSeries.has(key)) spawn.zero(labels);
    spawnSeries.add(key);
    return new ExemplarHistogramRecorder(spawn, labels, exemplar);
  };
  const addFunction = (f: FunctionSpec) => {
    const known = byName.get(f.name);
    if (known) { // a reload changed it: only its isolation can be in a label
      known.warm.flush();
      known.cold.flush();
      known.warm = spawnRecorder(f, 'warm');
      known.cold = spawnRecorder(f, 'cold');
      return;
    }
    duration.zero({ function: f.name });
    const exitRecorders: CountRecorder[] = [];
    for (const [reason, name] of Object.entries(REASONS)) {
      exits.inc({ function: f.name, reason: name }, 0);
      exitRecorders[Number(reason)] = new CountRecorder(exits, { function: f.name, reason: name });
    }
    byName.set(f.name, {
      warm: spawnRecorder(f, 'warm'), cold: spawnRecorder(f, 'cold'),
      duration: new HistogramRecorder(duration, { function: f.name }), exits: exitRecorders,
    });
  };
  for (const f of functions) addFunction(f);
  master.observeSpawns((fn, spawnMs, cold, address) => {
    const metrics = byName.get(fn);
    (cold ? metrics?.cold : metrics?.warm)?.record(spawnMs / 1000, address);
  });
  master.on('exit', (e) => {
    const metrics = byName.get(e.function);
    metrics?.duration.record(e.durationMs / 1000);
    metrics?.exits[e.reason]?.add();
  });
  return addFunction;
}
