// Content negotiation and exemplar recording, on a real prom-client registry.
import test from 'ava';
import { Counter, Histogram } from 'prom-client';
import { negotiateFormat, newRegistry, renderMetrics } from '../../src/metrics/exposition.js';
import { ExemplarHistogramRecorder } from '../../src/metrics/recorder.js';

test('OpenMetrics only for an Accept that prefers it', (t) => {
  t.is(negotiateFormat('application/openmetrics-text'), 'openmetrics');
  t.is(negotiateFormat('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
  t.is(negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), 'openmetrics');
  t.is(negotiateFormat(undefined), 'prometheus');
  t.is(negotiateFormat('*/*'), 'prometheus');
  t.is(negotiateFormat('text/plain;version=0.0.4'), 'prometheus');
  t.is(negotiateFormat('text/plain, application/openmetrics-text;q=0.5'), 'prometheus');
  t.is(negotiateFormat('application/openmetrics-text;q=0'), 'prometheus');
  t.is(negotiateFormat('application/json'), 'prometheus');
});

test('each observation counts once; each bucket\'s exemplar is its slowest since the last flush', async (t) => {
  const registry = newRegistry();
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', buckets: [1, 10], labelNames: ['f'], enableExemplars: true, registers: [registry] });
  const recorder = new ExemplarHistogramRecorder(histogram, { f: 'a' }, (address) => ({ address: address.toString(16) }));
  for (const [value, address] of [[0.5, 0xan], [0.7, 0xbn], [0.6, 0xcn], [5, 0xdn], [20, 0xen]] as const) recorder.record(value, address);
  recorder.flush();
  const text = (await renderMetrics(registry, 'openmetrics')).text;
  t.regex(text, /^h_seconds_bucket\{le="1",f="a"\} 3 # \{address="b"\} 0\.7 /m);
  t.regex(text, /^h_seconds_bucket\{le="10",f="a"\} 4 # \{address="d"\} 5 /m);
  t.regex(text, /^h_seconds_bucket\{le="\+Inf",f="a"\} 5 # \{address="e"\} 20 /m);
  t.regex(text, /^h_seconds_sum\{f="a"\} 26\.8$/m);
  recorder.record(0.1, 0xfn);
  recorder.flush();
  const later = (await renderMetrics(registry, 'openmetrics')).text;
  t.regex(later, /^h_seconds_bucket\{le="1",f="a"\} 4 # \{address="f"\} 0\.1 /m, 'a new scrape interval, a new exemplar');
  t.regex(later, /^h_seconds_bucket\{le="10",f="a"\} 5 # \{address="d"\} 5 /m, 'an old one stays until replaced');
});

test('an OpenMetrics render leaves the text format as it was (prom-client renames counters while it renders)', async (t) => {
  const registry = newRegistry();
  new Counter({ name: 'c_total', help: 'c', registers: [registry] }).inc(3);
  const [plain, open, plainAgain] = await Promise.all([renderMetrics(registry, 'prometheus'), renderMetrics(registry, 'openmetrics'), renderMetrics(registry, 'prometheus')]);
  t.regex(plain.text, /^c_total 3$/m);
  t.regex(open.text, /^# TYPE c counter\nc_total 3\n# EOF\n$/m);
  t.is(plainAgain.text, plain.text);
  t.is(open.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  t.is(plain.contentType, 'text/plain; version=0.0.4; charset=utf-8');
});
