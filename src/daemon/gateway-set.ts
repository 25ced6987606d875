// The daemon's gateways by name: opened at start; added, moved, retargeted
// and removed by a reload; drained or cut when the daemon stops. A gateway
// that leaves (a reload removed or moved it) stops listening at once and
// finishes the requests under way, like a drain.
import { GatewayListenError } from '../errors.js';
import { HttpGateway } from '../gateways/http/index.js';
import { TcpGateway } from '../gateways/tcp.js';
import type { Logger } from '../log.js';
import type { Master } from '../master/master.js';
import type { GatewayMetrics, ObservedGateway } from '../metrics/gateways.js';
import type { GatewaySpec } from '../project/index.js';

/** A gateway as it listens: its name, type, function and bound port. */
export interface ListeningGateway { name: string; type: 'http' | 'tcp'; function: string; port: number; }

export interface GatewaySetOptions {
  master: Master;
  /** where gateways listen (default all interfaces) */
  host?: string;
  /** ports to use instead of the project's, by gateway name (tests use 0) */
  portOverrides?: ReadonlyMap<string, number>;
  /** the daemon's log: each gateway logs as `gateway/<name>` */
  log: Logger;
  metrics?: GatewayMetrics;
}

type Gateway = HttpGateway | TcpGateway;

/** A gateway listening, not yet in the set (add() it). */
export interface OpenGateway { spec: GatewaySpec; gateway: Gateway; listening: ListeningGateway; observed: ObservedGateway; }

export class GatewaySet {
  private readonly open = new Map<string, OpenGateway>();
  /** removed or moved by a reload: not listening, finishing their connections */
  private readonly leaving = new Set<Gateway>();

  constructor(private readonly options: GatewaySetOptions) {}

  /** Client connections open now, in every gateway (leaving ones too). */
  get connectionCount(): number {
    let n = 0;
    for (const g of this.open.values()) n += g.gateway.connectionCount;
    for (const g of this.leaving) n += g.connectionCount;
    return n;
  }

  listening(): ListeningGateway[] {
    return [...this.open.values()].map((g) => g.listening);
  }

  /** The port spec listens on: the project's, unless overridden. */
  portOf(spec: GatewaySpec): number {
    return this.options.portOverrides?.get(spec.name) ?? spec.port;
  }

  /** Listens for spec, starting its function with `timeoutMs` (HTTP); rejects with GatewayListenError. */
  async listen(spec: GatewaySpec, timeoutMs: number): Promise<OpenGateway> {
    const { master, host, log, metrics } = this.options;
    const port = this.portOf(spec);
    const common = { master, function: spec.function, port, host, log: log.child(`gateway/${spec.name}`) };
    const gateway = spec.type === 'http'
      ? new HttpGateway({ ...common, timeoutMs, observer: metrics?.observer(spec.name) })
      : new TcpGateway(common);
    const bound = await gateway.listen().catch((e: NodeJS.ErrnoException) => {
      throw new GatewayListenError(`gateway "${spec.name}" cannot listen on ${host ?? '0.0.0.0'}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`);
    });
    const observed = { name: spec.name, type: spec.type, get connectionCount() { return gateway.connectionCount; } };
    return { spec, gateway, observed, listening: { name: spec.name, type: spec.type, function: spec.function, port: bound } };
  }

  /** Serves an open gateway under its name (one of that name must have left first). */
  add(open: OpenGateway): void {
    this.open.set(open.spec.name, open);
    this.options.metrics?.watch(open.observed);
  }

  /** A kept gateway's new spec: new requests go to its function, with its timeout. */
  retarget(spec: GatewaySpec, timeoutMs: number): ListeningGateway {
    const open = this.open.get(spec.name)!;
    if (open.gateway instanceof HttpGateway) open.gateway.retarget(spec.function, timeoutMs);
    else open.gateway.retarget(spec.function);
    open.spec = spec;
    open.listening = { ...open.listening, function: spec.function };
    return open.listening;
  }

  /** The gateway stops listening now (its port is free) and finishes its
   * connections in the background. */
  leave(name: string): void {
    const open = this.open.get(name);
    if (!open) return;
    this.open.delete(name);
    this.options.metrics?.unwatch(open.observed);
    this.leaving.add(open.gateway);
    void open.gateway.drain().then(() => this.leaving.delete(open.gateway));
  }

  /** Closes an open gateway that was never added (a failed reload). */
  static async discard(open: OpenGateway): Promise<void> {
    await open.gateway.close();
  }

  /** Every gateway stops listening and finishes its connections; resolves once all have ended. */
  async drain(): Promise<void> {
    await Promise.all([...this.open.values()].map((g) => g.gateway.drain()).concat([...this.leaving].map((g) => g.drain())));
  }

  /** Every gateway stops listening and cuts its connections. */
  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((g) => g.gateway.close()).concat([...this.leaving].map((g) => g.close())));
  }
}
