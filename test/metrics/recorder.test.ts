// The recorders hand prom-client a series' aggregate through its internal
// layout (src/metrics/batched-histogram.ts): what a registry renders must be
// what it renders when fed the same values by observe(), in both formats. A
// prom-client upgrade that moves the layout fails here.
import test from 'ava';
import { Histogram, type Registry } from 'prom-client';
import { newRegistry, renderMetrics, type ExpositionFormat } from '../../src/metrics/exposition.js';
import { ExemplarHistogramRecorder, HistogramRecorder } from '../../src/metrics/recorder.js';

const BUCKETS = [1e-4, 1e-3, 0.01, 0.1, 1];
const FORMATS: ExpositionFormat[] = ['prometheus', 'openmetrics'];

function histogram(registry: Registry, exemplars = false): Histogram {
  return new Histogram({ name: 'h_seconds', help: 'h', buckets: BUCKETS, labelNames: ['f', 'g'], registers: [registry], enableExemplars: exemplars });
}

/** Exemplar timestamps are the time of the call that set them. */
const render = async (registry: Registry, format: ExpositionFormat) =>
  (await renderMetrics(registry, format)).text.replace(/( # \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1 T');

async function assertSameRender(t: import('ava').ExecutionContext, recorded: Registry, observed: Registry, what: string) {
  for (const format of FORMATS) t.is(await render(recorded, format), await render(observed, format), `${what}, ${format}`);
}

/** Values across every bucket, +Inf included, and on the bounds themselves. */
function spread(n: number): number[] {
  const values = [...BUCKETS, 0, 5];
  for (let i = 0; values.length < n; i++) values.push(1e-5 * 1e6 ** ((i * 0.6180339887) % 1));
  return values;
}

/** Multiples of 1/1024: their sums are exact whatever the order. */
const dyadic = (n: number) => Array.from({ length: n }, (_, i) => ((i * 37) % 2048) / 1024);

test('a recorded series renders as observe() would make it, next to a series observe() makes', async (t) => {
  const [recorded, observed] = [newRegistry(), newRegistry()];
  const [hr, ho] = [histogram(recorded), histogram(observed)];
  for (const h of [hr, ho]) { h.zero({ f: 'a', g: 'x' }); h.observe({ f: 'b', g: 'y' }, 0.05); }
  const recorder = new HistogramRecorder(hr, { f: 'a', g: 'x' });
  const values = spread(500);
  for (const v of values) { recorder.record(v); ho.observe({ f: 'a', g: 'x' }, v); }
  recorder.flush();
  await assertSameRender(t, recorded, observed, 'one flush');
  t.regex(await render(recorded, 'prometheus'), /^h_seconds_count\{f="a",g="x"\} 500$/m);
});

test('flushes add up; a series made lazily appears with its first observation; reset() and remove() are survived', async (t) => {
  const [recorded, observed] = [newRegistry(), newRegistry()];
  const [hr, ho] = [histogram(recorded), histogram(observed)];
  const labels = { g: 'x', f: 'a' }; // in either order: the series' own
  const recorder = new HistogramRecorder(hr, labels);
  recorder.flush();
  t.notRegex(await render(recorded, 'prometheus'), /h_seconds_count/, 'nothing recorded, no series');
  const values = dyadic(3000);
  for (const [i, v] of values.entries()) {
    recorder.record(v);
    ho.observe(labels, v);
    if (i % 700 === 0) recorder.flush();
  }
  recorder.flush();
  await assertSameRender(t, recorded, observed, 'several flushes');
  for (const [h, how] of [[hr, 'reset'], [ho, 'reset'], [hr, 'remove'], [ho, 'remove']] as const) {
    if (how === 'reset') h.reset(); else h.remove({ f: 'a', g: 'x' });
    for (const v of values.slice(0, 10)) (h === hr ? recorder.record(v) : ho.observe(labels, v));
    if (h === hr) recorder.flush();
    if (h === ho) await assertSameRender(t, recorded, observed, `after ${how}()`);
  }
});

test('NaN and infinities are dropped, as observe() would refuse them', async (t) => {
  const [recorded, observed] = [newRegistry(), newRegistry()];
  const [hr, ho] = [histogram(recorded), histogram(observed)];
  const recorder = new HistogramRecorder(hr, { f: 'a', g: 'x' });
  for (const v of [0.5, NaN, Infinity, -Infinity, 0.25]) recorder.record(v);
  for (const v of [0.5, 0.25]) ho.observe({ f: 'a', g: 'x' }, v);
  recorder.flush();
  await assertSameRender(t, recorded, observed, 'finite values only');
});

test('an exemplar series renders as observe() would make it given the slowest of each bucket with its exemplar', async (t) => {
  const [recorded, observed] = [newRegistry(), newRegistry()];
  const [hr, ho] = [histogram(recorded, true), histogram(observed, true)];
  const labels = { f: 'a', g: 'x' };
  for (const h of [hr, ho]) h.zero(labels);
  const recorder = new ExemplarHistogramRecorder(hr, labels, (address) => ({ address: address.toString(16) }));
  for (const round of [0, 1]) {
    const values = dyadic(1000 + round * 7).map((v) => v / 1024 ** (round + 1)).concat([3, 1, 1e-4]);
    const slowest = new Map<number, { value: number; address: number }>();
    values.forEach((v, address) => {
      recorder.record(v, BigInt(address));
      const bucket = BUCKETS.findIndex((b) => v <= b);
      const kept = slowest.get(bucket);
      if (!kept || v > kept.value) slowest.set(bucket, { value: v, address });
    });
    const exemplars = new Set([...slowest.values()].map((s) => s.address));
    values.forEach((v, address) => { if (!exemplars.has(address)) ho.observe({ labels, value: v }); });
    for (const { value, address } of slowest.values()) ho.observe({ labels, value, exemplarLabels: { address: address.toString(16) } });
    recorder.flush();
    await assertSameRender(t, recorded, observed, `scrape ${round + 1}`);
  }
  t.regex(await render(recorded, 'openmetrics'), /^h_seconds_bucket\{le="\+Inf",f="a",g="x"\} 2013 # \{address="[0-9a-f]+"\} 3 T$/m);
});
