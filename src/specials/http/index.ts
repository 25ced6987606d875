// `embly/http`, the special function for outbound HTTP
// (docs/special-functions.md): a guest spawns it, writes one request with an
// absolute-form target and reads one response back. Each project function
// has its own allowed origins, limits and connection pools; a function
// without allowed_outbound_hosts cannot spawn it (EACCES).
import type { SecureContext } from 'node:tls';
import type { Agent } from 'undici';
import { LogLimiter } from '../../daemon/log-limiter.js';
import { formatAddress } from '../../instance-address.js';
import type { Logger } from '../../log.js';
import { SpawnError, type SpecialCall, type SpecialFunction } from '../../master/master.js';
import type { FunctionSpec } from '../../project/index.js';
import { OriginPolicy } from './allowed.js';
import { OutboundCall, type CallContext, type OutboundObserver } from './call.js';
import { outboundAgent } from './client.js';
import { outboundTrust } from './trust.js';

export type { OutboundObserver } from './call.js';

export const HTTP_SPECIAL = 'embly/http';

const sameOutbound = (a: FunctionSpec, b: FunctionSpec) => JSON.stringify(a.outbound) === JSON.stringify(b.outbound);

export interface HttpSpecialOptions {
  log: Logger;
  /** where SSL_CERT_FILE and NODE_EXTRA_CA_CERTS are read (trust.ts) */
  env: NodeJS.ProcessEnv;
}

/** One function's side of embly/http: its policy, its calls in flight, its connections. */
class FunctionOutbound {
  readonly policy: OriginPolicy;
  inFlight = 0;
  private client: Agent | undefined;

  constructor(readonly spec: FunctionSpec, private readonly tls: () => SecureContext) {
    this.policy = new OriginPolicy(spec.outbound.allowedHosts);
  }

  agent(): Agent {
    return (this.client ??= outboundAgent({ policy: this.policy, timeoutMs: this.spec.outbound.timeoutMs, tls: this.tls }));
  }

  /** Ends its connections: at once, or (`graceful`) once the calls in flight are done. */
  async close(graceful = false): Promise<void> {
    await (graceful ? this.client?.close() : this.client?.destroy());
  }
}

export class HttpSpecial implements SpecialFunction {
  private readonly functions = new Map<string, FunctionOutbound>();
  private readonly log: Logger;
  /** a guest that calls in a loop cannot flood the daemon's log */
  private readonly lines: LogLimiter;
  private secureContext: SecureContext | undefined;
  private observer: OutboundObserver | undefined;

  private readonly tls = () => this.trust();

  constructor(functions: readonly FunctionSpec[], private readonly options: HttpSpecialOptions) {
    this.log = options.log;
    this.lines = new LogLimiter(options.log);
    for (const spec of functions) this.functions.set(spec.name, new FunctionOutbound(spec, this.tls));
  }

  /** The project's functions are now these (a reload): a function whose
   * outbound keys changed gets a new policy, limits and connections for its
   * next calls; its calls in flight finish under the old ones, and then the
   * old connections close. */
  setFunctions(functions: readonly FunctionSpec[]): void {
    const next = new Map(functions.map((spec) => [spec.name, spec]));
    for (const [name, current] of this.functions) {
      const spec = next.get(name);
      if (spec && sameOutbound(spec, current.spec)) continue;
      this.functions.delete(name);
      void current.close(true);
    }
    for (const spec of functions) if (!this.functions.has(spec.name)) this.functions.set(spec.name, new FunctionOutbound(spec, this.tls));
  }

  /** Reports every call to `observer` from now on (metrics). */
  observe(observer: OutboundObserver): void {
    this.observer = observer;
  }

  start(call: SpecialCall): SpawnError | undefined {
    const fn = this.functions.get(call.caller);
    const label = `[${call.caller} ${formatAddress(call.callerAddress)}]`;
    if (!fn || fn.policy.patterns.length === 0) {
      this.lines.write(call.caller, 'warn', () => `${label} spawned ${HTTP_SPECIAL}, which it may not: add allowed_outbound_hosts ` +
        `to function "${call.caller}" in the project file, e.g. allowed_outbound_hosts: ["https://api.example.com"] (docs/special-functions.md)`);
      return new SpawnError('not-permitted', `function ${call.caller} has no allowed_outbound_hosts`);
    }
    new OutboundCall(this.context(fn, label), call.open);
    return undefined;
  }

  /** Ends every connection (the daemon stops). */
  async close(): Promise<void> {
    await Promise.all([...this.functions.values()].map((f) => f.close()));
  }

  private context(fn: FunctionOutbound, label: string): CallContext {
    const name = fn.spec.name;
    return {
      function: name, label, policy: fn.policy, limits: fn.spec.outbound,
      agent: () => fn.agent(),
      takeSlot: () => fn.inFlight < fn.spec.outbound.maxConcurrent && ++fn.inFlight > 0,
      giveSlot: () => { fn.inFlight--; },
      log: (level, line) => this.lines.write(name, level, line),
      observer: this.observer,
    };
  }

  /** The CAs outbound TLS trusts, read at the first TLS connection. */
  private trust(): SecureContext {
    if (!this.secureContext) {
      const trust = outboundTrust(this.options.env, this.log);
      this.log.info(`outbound TLS trusts the certificates of ${trust.source}`);
      this.secureContext = trust.context;
    }
    return this.secureContext;
  }
}
