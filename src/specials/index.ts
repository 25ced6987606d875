// The daemon's special functions, by their reserved names: what the master
// starts in the daemon when a guest spawns one (src/master/specials.ts).
// One so far: embly/http, outbound HTTP (docs/special-functions.md).
import type { SpecialFunctions } from '../master/master.js';
import { HTTP_SPECIAL, HttpSpecial, type HttpSpecialOptions, type OutboundObserver } from './http/index.js';
import type { FunctionSpec } from '../project/index.js';

export { HTTP_SPECIAL, type OutboundObserver } from './http/index.js';

export class DaemonSpecials {
  private readonly http: HttpSpecial;
  readonly registry: SpecialFunctions;

  constructor(functions: readonly FunctionSpec[], options: HttpSpecialOptions) {
    this.http = new HttpSpecial(functions, options);
    this.registry = new Map([[HTTP_SPECIAL, this.http]]);
  }

  /** The project's functions are now these (a reload): their permissions and limits apply to the next calls. */
  setFunctions(functions: readonly FunctionSpec[]): void {
    this.http.setFunctions(functions);
  }

  /** Reports every outbound call to the metrics from now on. */
  observe(outbound: OutboundObserver): void {
    this.http.observe(outbound);
  }

  /** Ends their connections (the daemon stops). */
  close(): Promise<void> {
    return this.http.close();
  }
}
