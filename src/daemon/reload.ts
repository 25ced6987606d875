// A reload (docs/service.md, "Reload"): re-read the project file, rebuild
// what changed (the build cache skips the rest), start the changed and added
// functions' runners as a new generation and wait until they have all said
// HELLO, open the new gateways' listeners, and only then commit, in one turn
// of the event loop: new instances go to the new runners, the old ones finish
// theirs and retire, gateways that left stop listening and finish their
// requests. Anything that fails before the commit undoes what the reload
// started, and what served before serves on. What differs: reload-plan.ts.
import { buildProject, type BuiltFunction } from '../compile/project-build.js';
import { ReloadFailedError } from '../errors.js';
import { loadProject, type GatewaySpec, type Project } from '../project/index.js';
import { FunctionRunners } from './function-runners.js';
import { GatewaySet, type OpenGateway } from './gateway-set.js';
import { planReload, type ReloadPlan, type ReloadSummary } from './reload-plan.js';

/** What a reload acts on: the daemon's parts, handed over by Daemon.reload(). */
export interface ReloadTarget {
  /** the project served when the reload began */
  readonly project: Project;
  readonly gateways: GatewaySet;
  readonly runnersPerFunction: number;
  readonly startTimeoutMs: number;
  /** where builds go instead of the project's .embly/ (--state-dir) */
  readonly stateDir: string | undefined;
  /** each function's build, as its serving runners run it */
  servedBuilds(): ReadonlyMap<string, BuiltFunction>;
  /** throws ReloadFailedError once the daemon drains or stops */
  refuseIfStopping(): void;
  /** Starts a function's runners as `generation`: they take no instance until serve(). */
  startGeneration(built: BuiltFunction, generation: number): FunctionRunners;
  stopGeneration(runners: FunctionRunners): Promise<void>;
  /** New instances of its function start on these runners; the previous ones retire. */
  serve(runners: FunctionRunners): void;
  /** The function takes no new instances; its runners retire. */
  remove(name: string): void;
  /** The project served from now on (its metrics series too). */
  replaceProject(project: Project): void;
  /** A build was made (its durations go to the metrics). */
  built(built: readonly BuiltFunction[]): void;
}

export async function reloadProject(target: ReloadTarget, generation: number): Promise<ReloadSummary> {
  target.refuseIfStopping();
  const project = await loadProject(target.project.root);
  const built = await buildProject(project, { stateDir: target.stateDir });
  target.built(built);
  const plan = planReload({ project: target.project, built: target.servedBuilds() }, project, built);
  target.refuseIfStopping();
  const added = plan.functions.added.map((b) => target.startGeneration(b, generation));
  const changed = plan.functions.changed.map((b) => target.startGeneration(b, generation));
  // An added function serves at once: before the commit only another
  // function's spawn can start it, and its runners are all of this generation.
  for (const runners of added) target.serve(runners);
  const opening = gatewaysToOpen(target, plan);
  let opened: OpenGateway[];
  try {
    await FunctionRunners.whenAdmitted([...added, ...changed], target.runnersPerFunction, target.startTimeoutMs);
    target.refuseIfStopping();
    opened = await openGateways(target.gateways, opening.now, project);
  } catch (e) {
    for (const runners of added) target.remove(runners.name);
    await Promise.all([...added, ...changed].map((g) => target.stopGeneration(g)));
    throw e;
  }
  return commit(target, plan, changed, opened, opening.afterLeaving);
}

/** The new version serves, in one turn of the event loop, so that no request
 * sees half of it; then the gateways whose port an old one freed listen. */
async function commit(target: ReloadTarget, plan: ReloadPlan, changed: FunctionRunners[], opened: OpenGateway[], afterLeaving: GatewaySpec[]): Promise<ReloadSummary> {
  const { gateways } = target;
  const before = new Map(target.project.gateways.map((g) => [g.name, g]));
  target.replaceProject(plan.project);
  for (const runners of changed) target.serve(runners);
  for (const name of plan.functions.removed) target.remove(name);
  const retargeted = plan.gateways.kept.flatMap((spec) => {
    const listening = gateways.retarget(spec, timeoutIn(plan.project, spec.function));
    return before.get(spec.name)!.function === spec.function ? [] : [listening];
  });
  for (const name of [...plan.gateways.removed, ...plan.gateways.moved.map((g) => g.name)]) gateways.leave(name);
  for (const open of opened) gateways.add(open);
  const late = await openGateways(gateways, afterLeaving, plan.project).catch((e: Error) => {
    throw new ReloadFailedError(`reloaded, except that ${e.message}`, e);
  });
  for (const open of late) gateways.add(open);
  const listening = [...opened, ...late].map((o) => o.listening);
  const isAdded = new Set(plan.gateways.added.map((g) => g.name));
  return {
    functions: { added: plan.functions.added.map((b) => b.spec.name), changed: changed.map((r) => r.name), removed: plan.functions.removed },
    gateways: {
      added: listening.filter((g) => isAdded.has(g.name)), moved: listening.filter((g) => !isAdded.has(g.name)),
      retargeted, removed: plan.gateways.removed,
    },
  };
}

/** The listeners a plan opens: those that can listen now, and those whose
 * port an old gateway the plan removes or moves holds until the commit. */
function gatewaysToOpen(target: ReloadTarget, plan: ReloadPlan): { now: GatewaySpec[]; afterLeaving: GatewaySpec[] } {
  const { gateways } = target;
  const leaving = new Set([...plan.gateways.removed, ...plan.gateways.moved.map((g) => g.name)]);
  const freed = new Set(target.project.gateways.filter((g) => leaving.has(g.name)).map((g) => gateways.portOf(g)).filter((port) => port !== 0));
  const waits = (spec: GatewaySpec) => freed.has(gateways.portOf(spec));
  const opening = [...plan.gateways.added, ...plan.gateways.moved];
  return { now: opening.filter((g) => !waits(g)), afterLeaving: opening.filter(waits) };
}

/** Listens for each spec; if one cannot, closes the others and rejects. */
async function openGateways(gateways: GatewaySet, specs: GatewaySpec[], project: Project): Promise<OpenGateway[]> {
  const opened: OpenGateway[] = [];
  try {
    for (const spec of specs) opened.push(await gateways.listen(spec, timeoutIn(project, spec.function)));
  } catch (e) {
    await Promise.all(opened.map((o) => GatewaySet.discard(o)));
    throw e;
  }
  return opened;
}

/** The timeout of a project's function: an HTTP gateway's deadline for an answer. */
export function timeoutIn(project: Project, fn: string): number {
  return project.functions.find((f) => f.name === fn)!.limits.timeoutMs;
}
