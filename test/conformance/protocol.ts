// The line protocol between this test and native/spec (embly-spec): one
// command line per script command that the driver executes, one answer line
// per command line, both led by the script line number. docs/conformance.md
// has the grammar; native/spec/main.c is the other side.
import { execFile } from 'node:child_process';
import { v128Hex } from './expectations.js';
import type { Action, WastValue } from './wast.js';

/** Wasm names may hold any byte: they travel as `x` + hex of their UTF-8. */
export const encodeName = (name: string): string => `x${Buffer.from(name, 'utf8').toString('hex')}`;
const moduleRef = (name: string | undefined): string => (name === undefined ? '-' : encodeName(name));
const value = (v: WastValue): string => (v.type === 'v128' ? `v128:${v128Hex(v)}` : `${v.type}:${v.value}`);

/** Paths come last on their line: the driver takes the rest of the line, spaces included. */
export function moduleLine(line: number, objectPath: string | null, name: string | undefined): string {
  return `${line} module ${moduleRef(name)} ${objectPath ?? '-'}`;
}

export function instantiateLine(line: number, objectPath: string): string {
  return `${line} instantiate ${objectPath}`;
}

export interface ImportSpec {
  module: Uint8Array; name: Uint8Array; kind: string; params: string; results: string;
  mutable: boolean; min: bigint | null; max: bigint | null;
}

/** The link-only check for a module that has no object. */
export function importsLine(line: number, imports: ImportSpec[]): string {
  const hex = (b: Uint8Array) => `x${Buffer.from(b).toString('hex')}`;
  const fields = imports.map((i) => [hex(i.module), hex(i.name), i.kind, i.params, i.results, i.mutable ? '1' : '0',
    `${i.min ?? 0n}`, i.max === null ? '-' : `${i.max}`].join(':'));
  return [`${line} imports`, ...fields].join(' ');
}

export function registerLine(line: number, as: string, name: string | undefined): string {
  return `${line} register ${encodeName(as)} ${moduleRef(name)}`;
}

export function actionLine(line: number, action: Action): string {
  const head = `${line} ${action.type} ${moduleRef(action.module)} ${encodeName(action.field)}`;
  return action.type === 'invoke' ? [head, ...action.args.map(value)].join(' ') : head;
}

export interface Answer {
  line: number;
  /** ok | trap | exit | timeout | limit | killed | unlinkable | error */
  status: string;
  /** ok: the result values (TYPE:BITS); otherwise the rest of the line */
  values: string[];
  rest: string;
}

export function parseAnswer(text: string): Answer | null {
  const m = /^(\d+) ([a-z]+)(?: (.*))?$/.exec(text);
  if (!m) return null;
  const rest = m[3] ?? '';
  return { line: Number(m[1]), status: m[2]!, rest, values: m[2] === 'ok' && rest ? rest.split(' ') : [] };
}

export interface DriverRun {
  answers: Answer[];
  /** why the driver ended early: a signal, an exit code, a timeout */
  died: string | null;
  stderr: string;
}

/** Runs the driver on a command file; never throws for the driver's failures. */
export function runDriver(driver: string, commandsPath: string, timeoutMs: number): Promise<DriverRun> {
  return new Promise((resolve) => {
    execFile(driver, [commandsPath], { maxBuffer: 256 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const answers = stdout.split('\n').filter((l) => l !== '').map((l) => parseAnswer(l)
          ?? { line: -1, status: 'garbled', values: [], rest: l });
        let died: string | null = null;
        if (error) {
          const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
          died = e.killed ? `killed after ${timeoutMs} ms` : e.signal ? `died of ${e.signal}` : `exited with ${e.code}`;
        }
        resolve({ answers, died, stderr });
      });
  });
}
