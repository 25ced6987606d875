// What a reload changes (docs/service.md, "Reload"): the project being
// served and the one just loaded and built, compared function by function and
// gateway by gateway; and the one-line summary a reload ends with. reload.ts
// carries the plan out.
import type { BuiltFunction } from '../compile/project-build.js';
import type { FunctionSpec, GatewaySpec, Project } from '../project/index.js';
import { runnerFunction } from '../supervisor/index.js';
import type { FunctionLimits } from '../master/spawning.js';
import type { ListeningGateway } from './gateway-set.js';

export interface ReloadPlan {
  project: Project;
  functions: {
    /** new in the project file */
    added: BuiltFunction[];
    /** its runners would differ: another object, limits, isolation or env */
    changed: BuiltFunction[];
    /** gone from the project file */
    removed: string[];
  };
  gateways: {
    added: GatewaySpec[];
    /** the same name on another port or of another type: a new listener */
    moved: GatewaySpec[];
    /** same name, type and port: its listener stays (its function may be another, or have another timeout) */
    kept: GatewaySpec[];
    removed: string[];
  };
}

/** What a reload did, by name. */
export interface ReloadSummary {
  functions: { added: string[]; changed: string[]; removed: string[] };
  gateways: { added: ListeningGateway[]; moved: ListeningGateway[]; retargeted: ListeningGateway[]; removed: string[] };
}

/** What the master needs to know of a function to start its instances. */
export function functionLimits(spec: FunctionSpec): FunctionLimits {
  return { maxInstances: spec.limits.maxInstances, isolation: spec.isolation };
}

/** Everything its runners are started with: equal for both, nothing to restart. */
function runnerIdentity(built: BuiltFunction): string {
  const { env, ...rest } = runnerFunction(built);
  return JSON.stringify({ ...rest, env: Object.entries(env ?? {}).sort(), isolation: built.spec.isolation });
}

export function planReload(served: { project: Project; built: ReadonlyMap<string, BuiltFunction> }, project: Project, built: readonly BuiltFunction[]): ReloadPlan {
  const names = new Set(project.functions.map((f) => f.name));
  const functions: ReloadPlan['functions'] = { added: [], changed: [], removed: [...served.built.keys()].filter((n) => !names.has(n)) };
  for (const next of built) {
    const before = served.built.get(next.spec.name);
    if (!before) functions.added.push(next);
    else if (runnerIdentity(before) !== runnerIdentity(next)) functions.changed.push(next);
  }
  const oldGateways = new Map(served.project.gateways.map((g) => [g.name, g]));
  const gateways: ReloadPlan['gateways'] = { added: [], moved: [], kept: [], removed: [] };
  for (const spec of project.gateways) {
    const before = oldGateways.get(spec.name);
    if (!before) gateways.added.push(spec);
    else if (before.port !== spec.port || before.type !== spec.type) gateways.moved.push(spec);
    else gateways.kept.push(spec);
  }
  const kept = new Set(project.gateways.map((g) => g.name));
  gateways.removed = served.project.gateways.filter((g) => !kept.has(g.name)).map((g) => g.name);
  return { project, functions, gateways };
}

/** One line for the log: "reloaded: functions changed: hello; gateways moved: web (http :8081)". */
export function describeReload(summary: ReloadSummary): string {
  const where = (g: ListeningGateway) => `${g.name} (${g.type} :${g.port}${g.function !== g.name ? ` -> ${g.function}` : ''})`;
  const parts: string[] = [];
  const list = (what: string, items: string[]) => { if (items.length) parts.push(`${what}: ${items.join(', ')}`); };
  const { functions: f, gateways: g } = summary;
  list('functions added', f.added);
  list('functions changed', f.changed);
  list('functions removed', f.removed);
  list('gateways added', g.added.map(where));
  list('gateways moved', g.moved.map(where));
  list('gateways retargeted', g.retargeted.map(where));
  list('gateways removed', g.removed);
  return `reloaded: ${parts.length ? parts.join('; ') : 'nothing changed'}`;
}
