// One differential check: a wat module is assembled (the pinned npm wabt,
// which also validates it), run in V8 for the expected outcomes, built by
// Embly's real path (compileAot: wasm2c + glue + cc) and run by the spec
// driver (native/spec, the runtime's loader and fibers, as in
// test/conformance), and every call's outcome compared. A mismatch comes back
// as a report holding the module as wasm2wat prints it and the calls as a
// .wast, ready to paste into a regression test.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import wabtInit from 'wabt';
import { compileAot } from '../../src/compile/aot.js';
import { nativeBin } from '../../src/paths.js';
import { actionLine, moduleLine, runDriver, type Answer } from '../conformance/protocol.js';
import type { GeneratedModule, Invocation } from './generator.js';
import { compare, describe, runInV8, type Outcome } from './outcomes.js';

const run = promisify(execFile);
export const driver = join(nativeBin, 'embly-spec');
const DRIVER_TIMEOUT_MS = 60_000;
const MAX_LISTED = 10;

let wabt: ReturnType<typeof wabtInit> | undefined;

/** wat text to a validated binary; an invalid module is a generator bug and throws with its text. */
export async function assemble(wat: string): Promise<Uint8Array<ArrayBuffer>> {
  wabt ??= wabtInit();
  const w = await wabt;
  let parsed: ReturnType<typeof w.parseWat> | undefined;
  try {
    parsed = w.parseWat('generated.wat', wat);
    parsed.resolveNames();
    parsed.validate();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } catch (e) {
    throw new Error(`the generator made an invalid module (a bug in test/differential/generator.ts): ${String(e)}\n${wat}`);
  } finally {
    parsed?.destroy();
  }
}

export interface CheckOptions {
  /** where objects and command files go */
  workDir: string;
  /** changes V8's outcomes before comparing: the test that proves a mismatch is caught */
  tamper?: (outcomes: Outcome[]) => void;
}

export interface CheckResult {
  outcomes: Outcome[];
  /** null: Embly agreed on every call */
  report: string | null;
}

let counter = 0;

export async function checkModule(module: GeneratedModule, options: CheckOptions): Promise<CheckResult> {
  const wasm = await assemble(module.wat);
  const outcomes = await runInV8(wasm, module.results, module.invocations);
  options.tamper?.(outcomes);
  const object = await compileAot({ wasm, cacheDir: join(options.workDir, 'objects'), functionName: 'differential' });

  const name = `module-${process.pid}-${counter++}`;
  await mkdir(options.workDir, { recursive: true });
  const commandsPath = join(options.workDir, `${name}.commands`);
  const lines = [moduleLine(1, object.objectPath, undefined),
    ...module.invocations.map((inv, i) => actionLine(i + 2, { type: 'invoke', field: inv.field, args: inv.args.map((a) => ({ type: a.type, value: a.bits })) }))];
  await writeFile(commandsPath, `${lines.join('\n')}\n`);
  const result = await runDriver(driver, commandsPath, DRIVER_TIMEOUT_MS);

  const problems = findMismatches(module.invocations, outcomes, result.answers);
  if (result.died) problems.push({ at: problems[0]?.at ?? module.invocations.length, text: `the driver ${result.died}; stderr: ${result.stderr.trim().slice(-500)}` });
  if (problems.length === 0) return { outcomes, report: null };

  const wasmPath = join(options.workDir, `${name}.wasm`);
  await writeFile(wasmPath, wasm);
  const { stdout: text } = await run('wasm2wat', [wasmPath], { maxBuffer: 64 << 20 }).catch((e: unknown) => {
    throw new Error(`cannot print the failing module with wasm2wat (Debian: apt-get install wabt): ${String(e)}`);
  });
  return { outcomes, report: reportOf(problems, text, module.invocations, outcomes) };
}

interface Problem { at: number; text: string }

function findMismatches(invocations: Invocation[], outcomes: Outcome[], answers: Answer[]): Problem[] {
  const problems: Problem[] = [];
  const loaded = answers[0];
  if (!loaded || loaded.line !== 1 || loaded.status !== 'ok') {
    return [{ at: 0, text: `the module did not load: ${loaded ? `${loaded.status} ${loaded.rest}` : 'no answer'}` }];
  }
  invocations.forEach((inv, i) => {
    const answer = answers[i + 1];
    const call = `${inv.field}(${inv.args.map((a) => `${a.type}:${a.bits}`).join(', ')})`;
    if (!answer || answer.line !== i + 2) {
      problems.push({ at: i, text: `call ${i + 1} ${call}: ${answer ? `the answer is for line ${answer.line}` : 'no answer'}` });
      return;
    }
    const difference = compare(outcomes[i]!, answer);
    if (difference) problems.push({ at: i, text: `call ${i + 1} ${call}: ${difference}` });
  });
  return problems;
}

/** The calls as spec assertions on the exports (which return integer bits). */
function wastAssertion(inv: Invocation, outcome: Outcome): string {
  const args = inv.args.map((a) => ` (${a.type}.const ${a.bits})`).join('');
  const invoke = `(invoke "${inv.field}"${args})`;
  if (outcome.kind === 'trap') return `(assert_trap ${invoke} "${outcome.message}") ;; V8's text`;
  if (outcome.type === null) return `(assert_return ${invoke})`;
  const carrier = outcome.type === 'i32' || outcome.type === 'f32' ? 'i32' : 'i64';
  const note = describe(outcome).includes('nan:arithmetic') ? ` ;; ${outcome.type} nan:arithmetic: any quiet NaN` : '';
  return `(assert_return ${invoke} (${carrier}.const ${outcome.bits}))${note}`;
}

function reportOf(problems: Problem[], text: string, invocations: Invocation[], outcomes: Outcome[]): string {
  const upTo = problems[0]!.at;
  const listed = problems.slice(0, MAX_LISTED).map((p) => `  ${p.text}`);
  if (problems.length > MAX_LISTED) listed.push(`  ... and ${problems.length - MAX_LISTED} more`);
  // Later calls see the state earlier ones left, so the reproducer keeps every call up to the first mismatch.
  const assertions = invocations.slice(0, upTo + 1).map((inv, i) => wastAssertion(inv, outcomes[i]!));
  return [
    `Embly and V8 disagree (${problems.length} of ${invocations.length} calls):`,
    ...listed,
    'The module and its calls up to the first mismatch, as a .wast (expected: V8\'s outcomes):',
    text.trimEnd(),
    ...assertions,
  ].join('\n');
}
