// The whole file: top level, the two lists, and the checks that span items
// (unique names and ports, gateways naming real functions).
import path from 'node:path';
import { isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import { sortProblems, type Problem } from './errors.js';
import { readFunction, type FunctionResult, type PathCheck } from './function.js';
import { readGateway, type GatewayResult } from './gateway.js';
import { readMetrics } from './metrics.js';
import { RESERVED_NAME_PREFIX, TOP_LEVEL_KEYS } from './schema.js';
import { describe, isEmptyValue, ProjectSource, type Entries, type Entry } from './source.js';
import { didYouMean } from './suggest.js';
import type { Project } from './types.js';

/** Everything found in one read of the file; `project` is complete only when `problems` is empty. */
export interface Analysis {
  project: Project;
  problems: Problem[];
  /** Function paths to look for on disk (loadProject does; parseProject stays pure). */
  pathChecks: PathCheck[];
}

const FUNCTIONS_HINT = 'list at least one function with name, path and language, e.g. "- name: hello"';
const EMPTY_HINT = 'start it with "functions:" and at least one function; see docs/project-file.md';

export function analyseProject(text: string, file: string): Analysis {
  const src = new ProjectSource(file, text);
  const absolute = path.resolve(file);
  const project: Project = { root: path.dirname(absolute), file: absolute, functions: [], gateways: [], metrics: null };
  const pathChecks: PathCheck[] = [];
  // After a syntax error the tree is the parser's guess; schema problems
  // found in it would mostly be echoes of that one error.
  const top = src.reportSyntaxErrors() ? undefined : readTopLevel(src);
  if (top !== undefined) {
    const functions = readFunctions(src, top, project.root);
    const gateways = readGateways(src, top.entries.get('gateways'));
    checkUniqueNames(src, functions, 'function');
    checkUniqueNames(src, gateways, 'gateway');
    checkUniquePorts(src, gateways);
    checkGatewayTargets(src, gateways, functions);
    project.metrics = readMetrics(src, top.entries.get('metrics')) ?? null;
    project.functions = functions.flatMap((f) => (f.spec ? [f.spec] : []));
    project.gateways = gateways.flatMap((g) => (g.spec ? [g.spec] : []));
    pathChecks.push(...functions.flatMap((f) => (f.pathCheck ? [f.pathCheck] : [])));
  }
  return { project, problems: sortProblems(src.problems), pathChecks };
}

interface TopLevel {
  node: YAMLMap;
  entries: Entries;
}

function readTopLevel(src: ProjectSource): TopLevel | undefined {
  const node = src.resolve(src.doc.contents);
  if (isEmptyValue(node)) {
    src.report('start', 'the project file is empty', EMPTY_HINT);
    return undefined;
  }
  if (!isMap(node)) {
    src.report(node ?? 'start', `the top level must be a map with "functions" and optionally "gateways", not ${describe(node)}`);
    return undefined;
  }
  return { node, entries: src.readMap(node, TOP_LEVEL_KEYS, '') };
}

function readFunctions(src: ProjectSource, top: TopLevel, root: string): FunctionResult[] {
  const entry = top.entries.get('functions');
  if (entry === undefined) {
    src.report(top.node, 'missing required key "functions"', FUNCTIONS_HINT);
    return [];
  }
  const items = readList(src, entry);
  if (items?.length === 0) src.report(entry, '"functions" is empty', FUNCTIONS_HINT);
  return (items ?? []).map((node, index) => readFunction(src, node, index, root));
}

function readGateways(src: ProjectSource, entry: Entry | undefined): GatewayResult[] {
  const items = entry === undefined ? [] : readList(src, entry);
  return (items ?? []).map((node, index) => readGateway(src, node, index));
}

/** The items of a list; an empty value is an empty list. */
function readList(src: ProjectSource, entry: Entry): Array<Node | null> | undefined {
  if (isEmptyValue(entry.value)) return [];
  if (!isSeq(entry.value)) {
    // The usual slip: items keyed by name instead of "- name: ..." list items.
    const hint = isMap(entry.value) ? 'write each item as a list entry starting with "- name: ..."' : undefined;
    src.report(entry, `"${entry.key}" must be a list, not ${describe(entry.value)}`, hint);
    return undefined;
  }
  return entry.value.items.map((item) => src.resolve(item));
}

interface Named {
  name?: string;
  nameEntry?: Entry;
}

function checkUniqueNames(src: ProjectSource, items: Named[], kind: 'function' | 'gateway'): void {
  const seen = new Map<string, Entry>();
  for (const { name, nameEntry } of items) {
    if (name === undefined || nameEntry === undefined) continue;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, nameEntry);
    } else {
      src.report(nameEntry, `duplicate ${kind} name "${name}"`,
        `the first "${name}" is on line ${src.position(first).line}; ${kind} names must be unique`);
    }
  }
}

// An http and a tcp gateway cannot share a port either: both listen on TCP.
function checkUniquePorts(src: ProjectSource, gateways: GatewayResult[]): void {
  const seen = new Map<number, GatewayResult>();
  for (const gateway of gateways) {
    const { port, portEntry } = gateway;
    if (port === undefined || portEntry === undefined) continue;
    const first = seen.get(port);
    if (first === undefined || first.portEntry === undefined) {
      seen.set(port, gateway);
    } else {
      src.report(portEntry,
        `${gateway.label}: port ${port} is already used by ${first.label} on line ${src.position(first.portEntry).line}`,
        'give each gateway its own port');
    }
  }
}

function checkGatewayTargets(src: ProjectSource, gateways: GatewayResult[], functions: FunctionResult[]): void {
  const known = [...new Set(functions.flatMap((f) => (f.name === undefined ? [] : [f.name])))];
  for (const { label, functionName, functionEntry } of gateways) {
    if (functionName === undefined || functionEntry === undefined || known.includes(functionName)) continue;
    src.report(functionEntry, `${label}: unknown function "${functionName}"`, unknownFunctionHint(functionName, known));
  }
}

function unknownFunctionHint(wanted: string, known: string[]): string {
  if (wanted.startsWith(RESERVED_NAME_PREFIX)) return `"${wanted}" is a special function: functions spawn it, gateways serve the project's own functions`;
  if (known.length === 0) return 'no function has a valid name yet; define it under "functions"';
  const guess = didYouMean(wanted, known);
  const list = `known functions: ${known.join(', ')}`;
  return guess === undefined ? list : `${guess} ${list}`;
}
