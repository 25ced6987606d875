// /metrics over HTTP, on loopback unless told otherwise (ARCHITECTURE.md §7),
// in the format the scraper's Accept header prefers (exposition.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { negotiateFormat, renderMetrics } from './exposition.js';
import { DEFAULT_METRICS_LISTEN, type ListenAddress } from '../project/index.js';

export type MetricsAddress = ListenAddress;

/** The project file's default (src/project/schema.ts), which --metrics and `metrics:` override. */
export const DEFAULT_METRICS_ADDRESS: Readonly<MetricsAddress> = DEFAULT_METRICS_LISTEN;

export interface MetricsServer { port: number; close(): Promise<void>; }

export async function serveMetrics(registry: Registry, address: MetricsAddress): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    renderMetrics(registry, negotiateFormat(req.headers.accept)).then(
      ({ contentType, text }) => res.writeHead(200, { 'Content-Type': contentType, Vary: 'Accept' }).end(text),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
