// Special functions: builtins that a guest spawns by a reserved name
// (`embly/http`) as it spawns any function of its project, served in the
// daemon instead of on a runner. The master knows them only as a registry,
// name -> SpecialFunction (the daemon fills it: src/specials/). Each instance
// is an endpoint (endpoint.ts) whose peer is the instance that spawned it, and
// is routed like any instance (routing.ts: handle numbers, DATA/CLOSE, CREDIT),
// so the guest's side cannot tell the difference.
import { InternalError } from '../errors.js';
import { Endpoint, type EndpointLink, type PeerHandler } from './endpoint.js';
import type { InstanceTable, StartHooks } from './instances.js';
import { SpawnError } from './spawn-error.js';

/** Names that start with this are special functions' (the project file refuses them for its own). */
export const SPECIAL_PREFIX = 'embly/';

/** One spawn of a special function, as its start() sees it. */
export interface SpecialCall {
  /** the function of the instance that spawned it: its permissions and limits apply */
  readonly caller: string;
  readonly callerAddress: bigint;
  /** Opens the new instance's end, heard through `handler`: an endpoint whose
   * peer is the caller. Once, and before start() returns. */
  open(handler: PeerHandler): Endpoint;
}

export interface SpecialFunction {
  /** Opens an instance for `call`, or refuses it: the guest's spawn then
   * answers the error's errno (src/master/spawn-error.ts). */
  start(call: SpecialCall): SpawnError | undefined;
}

export type SpecialFunctions = ReadonlyMap<string, SpecialFunction>;

export class Specials {
  constructor(private readonly registry: SpecialFunctions, private readonly table: InstanceTable, private readonly link: EndpointLink) {}

  /** Starts fn if it is a special function (its hooks hear how, at once); false if it is not one. */
  start(fn: string, parent: bigint, hooks: StartHooks): boolean {
    const special = this.registry.get(fn);
    if (!special) return false;
    const caller = this.table.get(parent);
    if (!caller?.runner) {
      hooks.failed(new SpawnError('unknown-function', `${fn} is spawned by functions only`));
      return true;
    }
    let opened: Endpoint | undefined;
    let open = true;
    const refusal = special.start({
      caller: caller.function,
      callerAddress: parent,
      open: (handler) => {
        if (!open || opened) throw new InternalError(`${fn} opened its instance twice, or after its start`);
        return (opened = this.table.addSpecial(fn, parent, (address) => new Endpoint(address, handler, this.link, parent)));
      },
    });
    open = false;
    if (refusal || !opened) {
      opened?.close();
      hooks.failed(refusal ?? new SpawnError('start-failed', `${fn} did not open an instance`));
    } else {
      hooks.placed?.(opened.address);
      hooks.started(opened.address);
    }
    return true;
  }
}
