// Outbound HTTP through embly/http: calls by function, origin and the status
// the guest got, and their latency. `origin` is the allowed_outbound_hosts
// entry a call went out under ("https://*.example.com"), never the host it
// reached: patterns come from the project file, so the series are bounded by
// it, while hosts come from guests (a wildcard entry would let one function
// mint a series per subdomain). Calls refused before any entry matched are
// origin "none". Recorded without allocating once a series exists (recorder.ts).
import { Counter, Histogram, type Registry } from 'prom-client';
import type { FunctionSpec } from '../project/index.js';
import type { OutboundObserver } from '../specials/index.js';
import { CountRecorder, HistogramRecorder } from './recorder.js';

const LATENCY_BUCKETS = [1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function outboundMetrics(registry: Registry, functions: readonly FunctionSpec[]): OutboundObserver {
  const counts = new Map<string, CountRecorder>();
  const latencies = new Map<string, HistogramRecorder>();
  const flush = () => {
    for (const c of counts.values()) c.flush();
    for (const l of latencies.values()) l.flush();
  };
  const requests = new Counter({
    name: 'embly_outbound_requests_total', registers: [registry], labelNames: ['function', 'origin', 'code'],
    help: 'Outbound HTTP calls (embly/http) by the allowed_outbound_hosts entry they went out under and the status the guest got (Embly\'s own 403/502/503/504 included; "aborted": the caller ended first)',
    collect: flush,
  });
  const latency = new Histogram({
    name: 'embly_outbound_request_duration_seconds', registers: [registry], buckets: LATENCY_BUCKETS, labelNames: ['function'],
    help: 'From an outbound request\'s head read to its response complete (embly/http)', collect: flush,
  });
  const latencyOf = (fn: string) => {
    let recorder = latencies.get(fn);
    if (!recorder) latencies.set(fn, (recorder = new HistogramRecorder(latency, { function: fn })));
    return recorder;
  };
  // A function that may call out has its latency series from the start (one
  // added by a reload, from its first call).
  for (const f of functions) {
    if (f.outbound.allowedHosts.length === 0) continue;
    latency.zero({ function: f.name });
    latencyOf(f.name);
  }
  return {
    called(fn, origin, code, seconds) {
      const key = `${fn}\0${origin}\0${code}`;
      let count = counts.get(key);
      if (!count) counts.set(key, (count = new CountRecorder(requests, { function: fn, origin, code })));
      count.add();
      latencyOf(fn).record(seconds);
    },
  };
}
