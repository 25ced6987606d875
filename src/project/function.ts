// One entry of `functions:`: its fields, defaults and per-function rules.
import path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import type { Problem } from './errors.js';
import {
  openItem, optionalWith, readBoolean, readChoice, readInteger, readMeasure, readName, readString, requiredWith, type Item,
} from './fields.js';
import {
  DEFAULT_ISOLATION, DEFAULT_MAX_INSTANCES, DEFAULT_MEMORY_PAGES, DEFAULT_TIMEOUT_MS,
  ENV_NAME_PATTERN, FUNCTION_KEYS, ISOLATIONS, LANGUAGES, MAX_MAX_INSTANCES, RESERVED_NAME_PREFIX,
} from './schema.js';
import { describe, isEmptyValue, type Entry, type ProjectSource } from './source.js';
import type { FunctionLimits, FunctionSpec, Language } from './types.js';
import { MEMORY_HINT, parseMemory, parseTimeout, TIMEOUT_HINT } from './units.js';
import { readOutbound } from './outbound.js';

/** What one `functions:` item yielded: the spec when fully valid, and what the cross-checks need. */
export interface FunctionResult {
  spec?: FunctionSpec;
  /** Set whenever the name is valid, so gateways can refer to a function with other problems. */
  name?: string;
  nameEntry?: Entry;
  pathCheck?: PathCheck;
}

/** A path loadProject looks for on disk, and the problem to report when it is not there. */
export interface PathCheck {
  path: string;
  ifMissing: Problem;
}

const PATH_HINT =
  'the source to build: a .wat, .wasm, .c or .ts file, or a Rust crate directory, relative to the project file';
const LANGUAGE_HINT = `valid values for "language": ${LANGUAGES.join(', ')}`;
const LANGUAGE_ALIASES: Record<string, Language> = {
  typescript: 'assemblyscript', ts: 'assemblyscript', as: 'assemblyscript', rs: 'rust',
};

export function readFunction(src: ProjectSource, node: Node | null, index: number, root: string): FunctionResult {
  if (!isMap(node)) {
    src.report(node ?? 'start', `functions[${index}] must be a map with name, path and language, not ${describe(node)}`);
    return {};
  }
  const item = openItem(src, node, 'function', index, FUNCTION_KEYS);
  const name = readName(item, RESERVED_NAME_PREFIX);
  const pathCheck = requiredWith(item, 'path', PATH_HINT, (e) => readPath(item, e, root));
  const language = requiredWith(item, 'language', LANGUAGE_HINT, (e) => readChoice(item, e, LANGUAGES, LANGUAGE_ALIASES));
  const limits = readLimits(item);
  const isolation = optionalWith(item, 'isolation', DEFAULT_ISOLATION, (e) => readChoice(item, e, ISOLATIONS));
  const env = readEnv(item);
  const outbound = readOutbound(item);
  const simd = optionalWith(item, 'simd', false, (e) => readSimd(item, e, language));
  const result: FunctionResult = { name, nameEntry: item.entries.get('name'), pathCheck };
  if (name !== undefined && pathCheck !== undefined && language !== undefined &&
      limits !== undefined && isolation !== undefined && env !== undefined && outbound !== undefined &&
      simd !== undefined) {
    result.spec = { name, path: pathCheck.path, language, limits, isolation, env, outbound, simd };
  }
  return result;
}

/** Languages whose compiler `simd: true` configures; wat and wasm say for themselves what they use. */
const SIMD_LANGUAGES: readonly Language[] = ['c', 'rust'];

function readSimd(item: Item, entry: Entry, language: Language | undefined): boolean | undefined {
  const simd = readBoolean(item, entry);
  if (simd && language !== undefined && !SIMD_LANGUAGES.includes(language)) {
    item.src.report(entry, `${item.prefix}"simd" applies to c and rust functions, not ${language}`,
      language === 'wat' || language === 'wasm' ? 'a wat or wasm module may use SIMD instructions without it: remove the key'
        : 'remove the key');
    return undefined;
  }
  return simd;
}

function readPath(item: Item, entry: Entry, root: string): PathCheck | undefined {
  const written = readString(item, entry, PATH_HINT);
  if (written === undefined) return undefined;
  const resolved = path.resolve(root, written);
  const { line, col } = item.src.position(entry);
  const ifMissing: Problem = {
    file: item.src.file, line, col,
    message: `${item.prefix}path ${JSON.stringify(written)} does not exist`,
    hint: `looked for ${resolved}`,
  };
  return { path: resolved, ifMissing };
}

function readLimits(item: Item): FunctionLimits | undefined {
  const memoryPages = optionalWith(item, 'memory', DEFAULT_MEMORY_PAGES,
    (e) => readMeasure(item, e, parseMemory, MEMORY_HINT));
  const timeoutMs = optionalWith(item, 'timeout', DEFAULT_TIMEOUT_MS,
    (e) => readMeasure(item, e, parseTimeout, TIMEOUT_HINT));
  const maxInstances = optionalWith(item, 'max_instances', DEFAULT_MAX_INSTANCES,
    (e) => readInteger(item, e, 1, MAX_MAX_INSTANCES));
  if (memoryPages === undefined || timeoutMs === undefined || maxInstances === undefined) return undefined;
  return { memoryPages, timeoutMs, maxInstances };
}

// Values must be strings: YAML would turn `DEBUG: yes`-style scalars and
// `VERSION: 1.10` into booleans and numbers that stringify differently ("1.1").
function readEnv(item: Item): Record<string, string> | undefined {
  const entry = item.entries.get('env');
  if (entry === undefined || isEmptyValue(entry.value)) return {};
  if (!isMap(entry.value)) {
    item.src.report(entry, `${item.prefix}"env" must be a map of names to strings, not ${describe(entry.value)}`,
      'write it as "env: { NAME: value }" or one "NAME: value" per line');
    return undefined;
  }
  const env: Record<string, string> = {};
  let valid = true;
  for (const variable of item.src.readMap(entry.value, null, item.prefix).values()) {
    const value = readEnvVariable(item, variable);
    if (value === undefined) valid = false;
    else env[variable.key] = value;
  }
  return valid ? env : undefined;
}

function readEnvVariable(item: Item, variable: Entry): string | undefined {
  const { src, prefix } = item;
  const { key, value } = variable;
  if (!ENV_NAME_PATTERN.test(key)) {
    src.report(variable.keyNode, `${prefix}invalid env name ${JSON.stringify(key)}`,
      'use letters, digits and "_", not starting with a digit');
    return undefined;
  }
  if (isScalar(value) && typeof value.value === 'string') return value.value;
  if (isEmptyValue(value)) {
    src.report(variable, `${prefix}env "${key}" has no value`, `for an empty string write ${key}: ""`);
  } else {
    const hint = isScalar(value) ? `quote it: ${key}: "${src.sourceText(value)}"` : undefined;
    src.report(variable, `${prefix}env "${key}" must be a string, not ${describe(value)}`, hint);
  }
  return undefined;
}
