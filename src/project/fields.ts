// Typed readers for the fields of one map (a function or a gateway). Each
// reports what is wrong and returns undefined, so callers just skip ahead
// and every problem in the file is still found.
import { isScalar, type Node, type YAMLMap } from 'yaml';
import { NAME_PATTERN, NAME_RULE } from './schema.js';
import { describe, isEmptyValue, type Entries, type Entry, type ProjectSource } from './source.js';
import { didYouMean } from './suggest.js';

/** A map being validated, with the prefix its messages start with (`function "hello": `). */
export interface Item {
  src: ProjectSource;
  node: YAMLMap;
  entries: Entries;
  /** `function "hello"`, or `functions[0]` while the name is missing or invalid. */
  label: string;
  prefix: string;
}

/**
 * Reads the map's keys and labels it by its name, looked up before anything
 * is validated so that every message can say whose problem it is.
 */
export function openItem(src: ProjectSource, node: YAMLMap, kind: string, index: number, keys: readonly string[]): Item {
  const name = peekName(src, node);
  const label = name === undefined ? `${kind}s[${index}]` : `${kind} "${name}"`;
  const prefix = `${label}: `;
  return { src, node, label, prefix, entries: src.readMap(node, keys, prefix) };
}

function peekName(src: ProjectSource, node: YAMLMap): string | undefined {
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === 'name');
  const value = pair === undefined ? null : src.peek(pair.value);
  const name = isScalar(value) ? value.value : undefined;
  return typeof name === 'string' && NAME_PATTERN.test(name) ? name : undefined;
}

/** The `name` of a function or gateway: both follow NAME_PATTERN; names
 * starting with `reserved` are refused as such. */
export function readName(item: Item, reserved?: string): string | undefined {
  const entry = required(item, 'name', NAME_RULE);
  const name = entry && readString(item, entry, NAME_RULE);
  if (entry === undefined || name === undefined) return undefined;
  if (NAME_PATTERN.test(name)) return name;
  if (reserved !== undefined && name.startsWith(reserved)) {
    item.src.report(entry, `${item.prefix}the name ${JSON.stringify(name)} is reserved: names starting with "${reserved}" are Embly's special functions`,
      `a function spawns ${JSON.stringify(name)} without defining it (docs/special-functions.md); give this one another name`);
  } else item.src.report(entry, `${item.prefix}invalid name ${JSON.stringify(name)}`, NAME_RULE);
  return undefined;
}

/** The entry for a required key, or a "missing" problem at the item itself. */
export function required(item: Item, key: string, hint: string): Entry | undefined {
  const entry = item.entries.get(key);
  if (entry === undefined) item.src.report(item.node, `${item.prefix}missing required key "${key}"`, hint);
  return entry;
}

/** Reads a required key with `read`, or reports it missing. */
export function requiredWith<T>(item: Item, key: string, hint: string, read: (entry: Entry) => T | undefined): T | undefined {
  const entry = required(item, key, hint);
  return entry && read(entry);
}

/** Reads an optional key with `read`, or gives the default when it is absent. */
export function optionalWith<T>(item: Item, key: string, fallback: T, read: (entry: Entry) => T | undefined): T | undefined {
  const entry = item.entries.get(key);
  return entry === undefined ? fallback : read(entry);
}

/** A non-empty string. */
export function readString(item: Item, entry: Entry, hint: string): string | undefined {
  const { value } = entry;
  if (isEmptyValue(value) || (isScalar(value) && value.value === '')) {
    item.src.report(entry, `${item.prefix}"${entry.key}" has no value`, hint);
    return undefined;
  }
  if (!isScalar(value) || typeof value.value !== 'string') {
    item.src.report(entry, `${item.prefix}"${entry.key}" must be a string, not ${describe(value)}`, hint);
    return undefined;
  }
  return value.value;
}

/** A string from a fixed set; a near miss gets a "did you mean". */
export function readChoice<T extends string>(
  item: Item, entry: Entry, choices: readonly T[], aliases: Record<string, T> = {},
): T | undefined {
  const valid = `valid values for "${entry.key}": ${choices.join(', ')}`;
  const text = readString(item, entry, valid);
  if (text === undefined) return undefined;
  if ((choices as readonly string[]).includes(text)) return text as T;
  const alias = aliases[text.toLowerCase()];
  const guess = alias === undefined ? didYouMean(text, choices) : `did you mean "${alias}"?`;
  item.src.report(entry, `${item.prefix}unknown ${entry.key} "${text}"`, guess === undefined ? valid : `${guess} ${valid}`);
  return undefined;
}

/** true or false, written as a plain YAML boolean. */
export function readBoolean(item: Item, entry: Entry): boolean | undefined {
  const { value } = entry;
  if (isScalar(value) && typeof value.value === 'boolean') return value.value;
  item.src.report(entry, `${item.prefix}"${entry.key}" must be true or false, not ${describe(value)}`, `write ${entry.key}: true or ${entry.key}: false`);
  return undefined;
}

/** An integer in [min, max], written as a plain YAML number. */
export function readInteger(item: Item, entry: Entry, min: number, max: number): number | undefined {
  const { src, prefix } = item;
  const { key, value } = entry;
  const hint = `use a whole number from ${min} to ${max}`;
  if (!isScalar(value) || typeof value.value !== 'number') {
    src.report(entry, `${prefix}"${key}" must be an integer, not ${describe(value)}`, unquoteHint(key, value) ?? hint);
    return undefined;
  }
  const number = value.value;
  if (!Number.isInteger(number)) {
    src.report(entry, `${prefix}${key} ${src.sourceText(value)} is not a whole number`, hint);
  } else if (number < min || number > max) {
    src.report(entry, `${prefix}${key} ${src.sourceText(value)} is out of range`, hint);
  } else {
    return number;
  }
  return undefined;
}

// `port: "8080"` is almost always a quoting slip, so say exactly what to write.
function unquoteHint(key: string, value: Node | null): string | undefined {
  if (!isScalar(value) || typeof value.value !== 'string') return undefined;
  const digits = value.value.trim();
  return /^\d+$/.test(digits) ? `write it without quotes: ${key}: ${digits}` : undefined;
}

/** A number or a string handed to a unit parser (memory sizes, durations). */
export function readMeasure(
  item: Item, entry: Entry, parse: (raw: number | string) => { value: number } | { error: string; hint: string },
  hint: string,
): number | undefined {
  const { value } = entry;
  const raw = isScalar(value) ? value.value : undefined;
  if (typeof raw !== 'number' && typeof raw !== 'string') {
    const what = isEmptyValue(value) ? 'has no value' : `must be a number or a string, not ${describe(value)}`;
    item.src.report(entry, `${item.prefix}"${entry.key}" ${what}`, hint);
    return undefined;
  }
  const parsed = parse(raw);
  if ('value' in parsed) return parsed.value;
  item.src.report(entry, `${item.prefix}${parsed.error}`, parsed.hint);
  return undefined;
}
