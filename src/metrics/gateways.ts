// Gateways: requests by status and their latency (HTTP), connections open
// (read at scrape time). Recorded without allocating, passed to prom-client
// at scrape time (recorder.ts).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GATEWAY_STATUSES } from '../gateways/http/error-response.js';
import type { GatewayObserver } from '../gateways/http/exchange.js';
import { CountRecorder, HistogramRecorder } from './recorder.js';

const LATENCY_BUCKETS = [1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ObservedGateway { name: string; type: 'http' | 'tcp'; connectionCount: number; }

export interface GatewayMetrics {
  /** The observer an HTTP gateway reports its answers to (one per name: a
   * gateway a reload moved to another port goes on counting in its series). */
  observer(gateway: string): GatewayObserver;
  /** Counts a gateway's open connections from now on. */
  watch(gateway: ObservedGateway): void;
  /** No longer counts them (a reload removed or moved the gateway). */
  unwatch(gateway: ObservedGateway): void;
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const recorders: { flush(): void }[] = [];
  const flush = () => { for (const r of recorders) r.flush(); };
  const requests = new Counter({
    name: 'embly_gateway_requests_total', registers: [registry], labelNames: ['gateway', 'code'],
    help: 'HTTP requests answered, by status code (the gateway\'s own 4xx/5xx included)', collect: flush,
  });
  const latency = new Histogram({
    name: 'embly_gateway_request_duration_seconds', registers: [registry], buckets: LATENCY_BUCKETS, labelNames: ['gateway'],
    help: 'From a request\'s head read to its answer complete (HTTP)', collect: flush,
  });
  const watched = new Set<ObservedGateway>();
  new Gauge({
    name: 'embly_gateway_connections', registers: [registry], labelNames: ['gateway', 'type'], help: 'Client connections open now',
    collect() {
      this.reset();
      for (const g of watched) this.set({ gateway: g.name, type: g.type }, g.connectionCount);
    },
  });
  const observers = new Map<string, GatewayObserver>();
  const makeObserver = (gateway: string): GatewayObserver => {
    latency.zero({ gateway });
    const timed = new HistogramRecorder(latency, { gateway });
    const byCode = new Map<number, CountRecorder>();
    // The codes a gateway is sure to answer exist from the start, at 0, so
    // that rate() counts their first answers (a series' first sample is
    // its start) and a 5xx ratio is 0, not absent, before the first 5xx.
    for (const status of [200, ...GATEWAY_STATUSES]) byCode.set(status, zeroed(requests, gateway, status));
    recorders.push(timed, { flush: () => byCode.forEach((c) => c.flush()) });
    return {
      answered(status, seconds) {
        let count = byCode.get(status);
        if (!count) byCode.set(status, (count = zeroed(requests, gateway, status)));
        count.add();
        if (seconds !== null) timed.record(seconds);
      },
    };
  };
  return {
    observer(gateway) {
      let observer = observers.get(gateway);
      if (!observer) observers.set(gateway, (observer = makeObserver(gateway)));
      return observer;
    },
    watch: (gateway) => { watched.add(gateway); },
    unwatch: (gateway) => { watched.delete(gateway); },
  };
}

function zeroed(requests: Counter, gateway: string, status: number): CountRecorder {
  const labels = { gateway, code: String(status) };
  requests.inc(labels, 0);
  return new CountRecorder(requests, labels);
}
