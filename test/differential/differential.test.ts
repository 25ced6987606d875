// The differential check (docs/conformance.md, "The differential check"):
// random valid wasm modules must give the same results and traps through
// Embly (compileAot + the runtime, driven by native/spec's embly-spec) as in
// V8. It runs for a bounded time: EMBLY_FUZZ_MS (default 60 s) runs it longer,
// EMBLY_FUZZ_SEED replays a run (the seed is printed either way).
import test from 'ava';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budget } from '../fuzz/budget.js';
import { assemble, checkModule, driver } from './check.js';
import { Choices, choiceSequence } from './choices.js';
import { EDGE_FLOATS, floatLiteral, generateModule } from './generator.js';
import type { Outcome } from './outcomes.js';

const DEFAULT_MS = 60_000;
let workDir = '';

test.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'embly-differential-'));
});
test.after.always(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const driverBuilt = (t: { fail: (m: string) => void }) => {
  if (existsSync(driver)) return true;
  t.fail(`${driver} is missing: run \`npm run build:native\``);
  return false;
};

/** The same choice sequence, from a fixed seed: a module that is the same in every run. */
function fixedModule(seed: number) {
  const [sequence] = fc.sample(choiceSequence(), { seed, numRuns: 1 });
  return generateModule(new Choices(sequence!));
}

test('random valid modules give the same results and traps in Embly as in V8', async (t) => {
  if (!driverBuilt(t)) return;
  const ms = Number(process.env.EMBLY_FUZZ_MS ?? DEFAULT_MS);
  t.timeout(ms + 10 * 60_000); // the last module, and shrinking a failure, run past the budget
  const seed = Number(process.env.EMBLY_FUZZ_SEED ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0);
  t.log(`seed ${seed} (replay: EMBLY_FUZZ_SEED=${seed}), budget ${ms} ms`);
  const tally = new Map<string, number>();
  let modules = 0;
  let calls = 0;
  const began = Date.now();
  await fc.assert(fc.asyncProperty(choiceSequence(), async (sequence) => {
    const module = generateModule(new Choices(sequence));
    const { outcomes, report } = await checkModule(module, { workDir });
    modules++;
    calls += outcomes.length;
    for (const o of outcomes) {
      const key = o.kind === 'trap' ? `trap "${o.message}"` : o.type === null ? 'return, no value' : `return ${o.type}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    if (report) throw new Error(report);
  }), { ...budget(Number.MAX_SAFE_INTEGER), interruptAfterTimeLimit: ms, seed });
  t.log(`${modules} modules, ${calls} calls in ${Date.now() - began} ms; outcomes:\n` +
    [...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(6)} ${k}`).join('\n'));
  // A check that ran nothing would pass without checking anything.
  t.true(modules >= 1, 'no module was checked within the budget');
});

test('a mismatch is reported with the module as wat text and the calls as a .wast', async (t) => {
  if (!driverBuilt(t)) return;
  const module = fixedModule(42);
  const untouched = await checkModule(module, { workDir });
  t.is(untouched.report, null, 'the fixed module itself agrees');
  // Change V8's first returned value: Embly, which is right, must now be reported as wrong.
  const at = untouched.outcomes.findIndex((o) => o.kind === 'return' && o.bits !== null);
  t.not(at, -1, 'the fixed module returns a value somewhere');
  const tamper = (outcomes: Outcome[]) => {
    const o = outcomes[at]!;
    if (o.kind === 'return' && o.bits !== null) outcomes[at] = { ...o, type: o.type === 'i32' || o.type === 'f32' ? 'i32' : 'i64', bits: String(BigInt(o.bits) ^ 1n) };
  };
  const { report } = await checkModule(module, { workDir, tamper });
  t.truthy(report);
  t.regex(report!, new RegExp(`call ${at + 1} ${module.invocations[at]!.field}\\(.*\\): expected ok i(32|64):\\d+, got ok i(32|64):\\d+`));
  t.regex(report!, /^\(module\n/m, 'the module as wasm2wat prints it');
  t.regex(report!, /\(export "f0" \(func \d+\)\)/, 'its exports');
  t.regex(report!, new RegExp(`\\(assert_return \\(invoke "${module.invocations[at]!.field}"[^\\n]*$`), 'the call as a .wast assertion, last');
  // A trap V8 did not have is a mismatch too.
  const { report: trapReport } = await checkModule(module, {
    workDir, tamper: (outcomes) => { outcomes[at] = { kind: 'trap', message: 'unreachable' }; },
  });
  t.regex(trapReport ?? '', /expected trap UNREACHABLE \("unreachable"\), got ok/);
});

test('float literals in the generated text are the exact bit patterns', async (t) => {
  const cases = [...EDGE_FLOATS.f32.map((b) => ['f32', BigInt(b)] as const), ...EDGE_FLOATS.f64.map((b) => ['f64', b] as const),
    ['f32', 0x00000001n] as const, ['f32', 0x807fffffn] as const, ['f64', 0x000fffffffffffffn] as const, ['f64', 0xfff0000000000001n] as const];
  const funcs = cases.map(([type, bits], i) =>
    `(func (export "c${i}") (result ${type === 'f32' ? 'i32' : 'i64'}) (${type === 'f32' ? 'i32' : 'i64'}.reinterpret_${type} (${type}.const ${floatLiteral(type, bits)})))`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(await assemble(`(module ${funcs.join('\n')})`)));
  cases.forEach(([type, bits], i) => {
    const got = BigInt((instance.exports[`c${i}`] as () => number | bigint)());
    t.is(BigInt.asUintN(type === 'f32' ? 32 : 64, got), bits, `${type} ${floatLiteral(type, bits)}`);
  });
});
