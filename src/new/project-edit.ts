// `embly new`'s edit of embly-project.yml: the YAML document is edited in
// place (the yaml package's Document API), so the user's comments, order and
// layout stay; only the new function (and gateway) are appended.
import { isMap, isSeq, parseDocument, type Document, YAMLSeq } from 'yaml';
import { NewFunctionError } from '../errors.js';
import type { GatewayType } from '../project/index.js';

export interface NewFunctionEntry { name: string; path: string; language: string; }
export interface NewGatewayEntry { name: string; type: GatewayType; port: number; function: string; }

const HEADER = ` The project: its functions and the gateways that reach them (docs/project-file.md).
 embly build && embly run   serves it; embly dev   rebuilds on every save.`;

/** The text of `existing` (or of a new project file) with the function and gateway added. */
export function addToProjectFile(existing: string | undefined, file: string, fn: NewFunctionEntry, gateway: NewGatewayEntry | undefined): string {
  const doc = existing === undefined ? newDocument() : parseDocument(existing);
  if (doc.errors.length > 0) throw new NewFunctionError(`${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it first`);
  if (!isMap(doc.contents)) throw new NewFunctionError(`${file} is not a mapping of functions: and gateways:, so embly new cannot add to it`);
  append(doc, file, 'functions', fn, (entry) => entry.name === fn.name, `a function named "${fn.name}"`);
  if (gateway) {
    append(doc, file, 'gateways', gateway, (entry) => entry.name === gateway.name, `a gateway named "${gateway.name}"`);
  }
  return doc.toString();
}

function newDocument(): Document {
  const doc = parseDocument('functions: []\n');
  doc.commentBefore = HEADER;
  return doc;
}

/** Appends `entry` to the sequence under `key`, made (in block style) if there is none. */
function append(doc: Document, file: string, key: string, entry: object, clashes: (e: Record<string, unknown>) => boolean, what: string): void {
  let list = doc.get(key, true);
  if (list === undefined || list === null || (isSeq(list) && list.items.length === 0)) {
    list = new YAMLSeq();
    doc.set(key, list);
  }
  if (!isSeq(list)) throw new NewFunctionError(`${file}: ${key}: is not a list, so embly new cannot add to it`);
  const entries = (list.toJSON() as unknown[]).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
  if (entries.some(clashes)) throw new NewFunctionError(`${file} already has ${what}: choose another name`);
  list.flow = false;
  list.add(doc.createNode(entry));
}
