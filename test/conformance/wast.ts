// The spec scripts and their wast2json form (see the suite's README): the
// JSON command types, and a cached conversion with Debian's wast2json (a
// test-only dependency; the build itself never needs it).
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ScalarValue { type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref'; value?: string; }
/** A v128 as wast2json gives it: its lanes, each an unsigned decimal or (float lanes of an
 * expected value) a NaN class. */
export interface V128Value { type: 'v128'; lane_type: LaneType; value: string[]; }
export type LaneType = 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
export type WastValue = ScalarValue | V128Value;

export interface InvokeAction { type: 'invoke'; module?: string; field: string; args: WastValue[]; }
export interface GetAction { type: 'get'; module?: string; field: string; }
export type Action = InvokeAction | GetAction;

interface At { line: number; }
export type Command = At & (
  | { type: 'module'; filename: string; name?: string }
  | { type: 'register'; as: string; name?: string }
  | { type: 'action'; action: Action; expected: WastValue[] }
  | { type: 'assert_return'; action: Action; expected: WastValue[] }
  | { type: 'assert_trap'; action: Action; text: string; expected: WastValue[] }
  | { type: 'assert_exhaustion'; action: Action; text: string; expected: WastValue[] }
  | { type: 'assert_invalid'; filename: string; text: string; module_type: 'binary' | 'text' }
  | { type: 'assert_malformed'; filename: string; text: string; module_type: 'binary' | 'text' }
  | { type: 'assert_uninstantiable'; filename: string; text: string; module_type: 'binary' }
  | { type: 'assert_unlinkable'; filename: string; text: string; module_type: 'binary' }
);
export type CommandType = Command['type'];

export interface Script {
  /** e.g. "i32.wast" */
  file: string;
  /** the folder holding the JSON and every module file it names */
  dir: string;
  commands: Command[];
}

let wast2jsonIdentity: Promise<string> | undefined;

function wast2jsonPath(): string {
  return process.env.WAST2JSON ?? 'wast2json';
}

/** "1.0.32": part of the conversion cache key. */
function wast2jsonVersion(): Promise<string> {
  wast2jsonIdentity ??= run(wast2jsonPath(), ['--version']).then(
    ({ stdout }) => stdout.trim(),
    () => {
      throw new Error(`cannot run ${wast2jsonPath()}: the spec tests need wabt's wast2json ` +
        '(Debian: `apt-get install wabt`; or set WAST2JSON)');
    },
  );
  return wast2jsonIdentity;
}

/**
 * Converts one .wast with wast2json into cacheDir/<name>-<key>/, keyed by the
 * script's bytes and the converter's version, so a warm run converts nothing.
 * The folder is renamed into place complete, so a half conversion is never
 * reused.
 */
export async function convertScript(wastPath: string, cacheDir: string): Promise<Script> {
  const file = basename(wastPath);
  const name = file.replace(/\.wast$/, '');
  const source = await readFile(wastPath);
  const key = createHash('sha256').update(source).update(await wast2jsonVersion()).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `${name}-${key}`);
  const jsonPath = join(dir, `${name}.json`);
  if (!existsSync(jsonPath)) {
    const work = `${dir}.${randomBytes(6).toString('hex')}.tmp`;
    await mkdir(work, { recursive: true });
    try {
      await run(wast2jsonPath(), [wastPath, '-o', join(work, `${name}.json`)], { maxBuffer: 16 << 20 })
        .catch((e: { stderr?: string }) => { throw new Error(`wast2json failed on ${file}:\n${e.stderr ?? e}`); });
      await rename(work, dir).catch((e: NodeJS.ErrnoException) => {
        // Another run converted the same script meanwhile: keep theirs.
        if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as { commands: Command[] };
  return { file, dir, commands: json.commands };
}
