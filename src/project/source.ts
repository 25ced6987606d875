// The YAML layer: positions, node kinds and map walking. Validation code asks
// this module questions about nodes and never touches offsets itself.
import {
  isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument,
  type Document, type Node, type Pair, type Scalar, type YAMLMap,
} from 'yaml';
import type { Problem } from './errors.js';
import { didYouMean } from './suggest.js';

/** One `key: value` of a map, with the key already read as text. */
export interface Entry {
  key: string;
  keyNode: Node;
  /** null for `key:` with nothing after it. */
  value: Node | null;
}

export type Entries = Map<string, Entry>;

/** Where a problem points: a node, or an entry (its value if written, else its key). */
export type Target = Node | Entry | 'start';

export class ProjectSource {
  readonly problems: Problem[] = [];
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(readonly file: string, readonly text: string) {
    // Duplicate keys are reported by readMap, with a message in our own words.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
  }

  /**
   * Records the YAML library's own errors, the first of each line only: one
   * slip often yields two or three messages on the same spot, all echoes.
   * True when there were any.
   */
  reportSyntaxErrors(): boolean {
    const linesSeen = new Set<number>();
    for (const error of this.doc.errors) {
      const { line } = this.lines.linePos(error.pos[0]);
      if (linesSeen.has(line)) continue;
      linesSeen.add(line);
      if (error.code === 'MULTIPLE_DOCS') {
        this.reportAt(error.pos[0], 'the project file must hold a single YAML document',
          'remove the "---" that starts a second document');
      } else {
        this.reportAt(error.pos[0], `invalid YAML: ${error.message}`);
      }
    }
    return this.doc.errors.length > 0;
  }

  report(target: Target, message: string, hint?: string): void {
    this.reportAt(this.offsetOf(target), message, hint);
  }

  position(target: Target): { line: number; col: number } {
    return this.lines.linePos(this.offsetOf(target));
  }

  /** The text a scalar was written as, e.g. `8080` or `true`, for hints that quote it. */
  sourceText(node: Node): string {
    const range = node.range;
    return range ? this.text.slice(range[0], range[1]) : String(isScalar(node) ? node.value : '');
  }

  /** Follows `*alias` to its anchor without reporting anything; for looking ahead. */
  peek(node: unknown): Node | null {
    if (!isNode(node)) return null;
    return isAlias(node) ? node.resolve(this.doc) ?? null : node;
  }

  /** Follows `*alias` to its anchor; an unknown anchor is reported and read as empty. */
  resolve(node: unknown): Node | null {
    if (!isNode(node)) return null;
    if (!isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (target === undefined) {
      this.report(node, `unknown alias "*${node.source}"`, `define the anchor with "&${node.source}" before using it`);
      return null;
    }
    return target;
  }

  /**
   * Reads a map's entries, reporting non-text keys, duplicate keys and (when
   * `allowed` is given) unknown keys; reported entries are left out.
   */
  readMap(map: YAMLMap, allowed: readonly string[] | null, prefix: string): Entries {
    const entries: Entries = new Map();
    for (const pair of map.items) {
      const entry = this.readEntry(pair, prefix);
      if (entry === undefined) continue;
      const first = entries.get(entry.key);
      if (first !== undefined) {
        this.report(entry.keyNode, `${prefix}duplicate key "${entry.key}"`,
          `the first "${entry.key}" is on line ${this.position(first.keyNode).line}; keep one`);
      } else if (allowed !== null && !allowed.includes(entry.key)) {
        this.report(entry.keyNode, `${prefix}unknown key "${entry.key}"`, unknownKeyHint(entry.key, allowed));
      } else {
        entries.set(entry.key, entry);
      }
    }
    return entries;
  }

  private readEntry(pair: Pair<unknown, unknown>, prefix: string): Entry | undefined {
    const keyNode = this.resolve(pair.key);
    const value = this.resolve(pair.value);
    if (keyNode === null || !isScalar(keyNode) || keyNode.value === null) {
      this.report(keyNode ?? value ?? 'start', `${prefix}keys must be plain words, not ${describe(keyNode)}`);
      return undefined;
    }
    return { key: String(keyNode.value), keyNode, value };
  }

  private offsetOf(target: Target): number {
    if (target === 'start') return 0;
    if (isNode(target)) return target.range?.[0] ?? 0;
    return hasText(target.value) ? this.offsetOf(target.value) : this.offsetOf(target.keyNode);
  }

  private reportAt(offset: number, message: string, hint?: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.problems.push({ file: this.file, line, col, message, ...(hint === undefined ? {} : { hint }) });
  }
}

function unknownKeyHint(key: string, allowed: readonly string[]): string {
  // YAML 1.2 dropped merge keys; spelling the keys out keeps each item readable on its own.
  if (key === '<<') return 'merge keys ("<<") are not supported: write the keys out in each item';
  return didYouMean(key, allowed) ?? `valid keys: ${allowed.join(', ')}`;
}

// `key:` with nothing after it still yields a null scalar, placed at the end of
// the line; pointing there would confuse, so such problems point at the key.
function hasText(node: Node | null): node is Node {
  return node !== null && node.range != null && node.range[1] > node.range[0];
}

/** "a map", "a list", "a string", "a number", "a boolean" or "empty", for messages. */
export function describe(node: Node | null): string {
  if (node === null) return 'empty';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeScalar(node);
  return 'an alias';
}

function describeScalar(node: Scalar): string {
  switch (typeof node.value) {
    case 'string': return 'a string';
    case 'number': case 'bigint': return 'a number';
    case 'boolean': return 'a boolean';
    default: return node.value === null ? 'empty' : 'a value';
  }
}

/** True for `key:`, `key: ~` and `key: null`: written but holding nothing. */
export function isEmptyValue(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}
