// The WebAssembly core spec suite, end to end through Embly's build and
// loader: every .wast is converted with wast2json, every module is built with
// compileAot (cached), and native/spec's driver runs the script's commands
// against the objects. Every assertion is checked; docs/conformance.md
// explains the setup, the protocol and the numbers.
//
//   EMBLY_SPEC_DIR=a:b        the suite folders (default ../shared/conformance/spec and
//                             ../shared/conformance/spec-simd)
//   EMBLY_SPEC_ONLY=i32,f32   run only these scripts
//   WAST2JSON=...             the wast2json to use (default: from PATH)
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { compileAot } from '../../src/compile/aot.js';
import { readWasmInfo } from '../../src/compile/wasm-info.js';
import { nativeBin, packageRoot } from '../../src/paths.js';
import { EXCLUSIONS, exclusionFor } from './exclusions.js';
import { describeValue, trapKindFor, valueMatches } from './expectations.js';
import { Pool } from './pool.js';
import {
  actionLine, importsLine, instantiateLine, moduleLine, registerLine, runDriver, type Answer,
} from './protocol.js';
import { refuseBinary, refuseText, type Refusal } from './refusals.js';
import { convertScript, type Command, type CommandType, type WastValue } from './wast.js';

const conformanceDir = join(packageRoot, '..', 'shared', 'conformance');
/** The core suite and its SIMD scripts (same testsuite commit, kept in a folder of their own). */
const specDirs = process.env.EMBLY_SPEC_DIR?.split(':') ?? [join(conformanceDir, 'spec'), join(conformanceDir, 'spec-simd')];
const cacheRoot = join(packageRoot, 'test', '.cache', 'spec');
const objectsDir = join(cacheRoot, 'objects');
const watOutDir = join(cacheRoot, 'wat-out');
const driver = join(nativeBin, 'embly-spec');
const DRIVER_TIMEOUT_MS = 120_000;
const MAX_LISTED_FAILURES = 40;

const KINDS: CommandType[] = [
  'assert_return', 'assert_trap', 'assert_exhaustion', 'action', 'module', 'register',
  'assert_uninstantiable', 'assert_unlinkable', 'assert_invalid', 'assert_malformed',
];
type Tally = { passed: number; failed: number };
const totals = new Map<CommandType, Tally>(KINDS.map((k) => [k, { passed: 0, failed: 0 }]));
const linkOnly: string[] = [];
const startedAt = Date.now();

const pool = new Pool(availableParallelism());

/** One build per distinct module across the whole suite. */
const objects = new Map<string, Promise<string>>();

async function objectFor(wasmPath: string, priority: number): Promise<string> {
  const wasm = await readFile(wasmPath);
  const digest = createHash('sha256').update(wasm).digest('hex');
  let object = objects.get(digest);
  if (!object) {
    object = pool.run(() => compileAot({ wasm, cacheDir: objectsDir, functionName: 'spec' }), priority).then((o) => o.objectPath);
    objects.set(digest, object);
  }
  return object;
}

/** What one command expects, and the verdict on what happened. */
interface Check {
  line: number;
  type: CommandType;
  expected: string;
  /** the driver line, when the driver has a part in it */
  send?: string;
  /** null: passed; otherwise what happened instead */
  judge: (answer: Answer) => string | null;
  /** known before the driver runs (builds, refusals) */
  verdict?: Promise<string | null>;
}

const describeAnswer = (a: Answer) => `${a.status}${a.rest ? ` ${a.rest}` : ''}`;
const okJudge = (a: Answer) => (a.status === 'ok' ? null : describeAnswer(a));

function trapJudge(text: string) {
  const kind = trapKindFor(text);
  return (a: Answer) => {
    if (!kind) return `no trap kind is mapped to "${text}" (test/conformance/expectations.ts)`;
    return a.status === 'trap' && a.rest === kind ? null : describeAnswer(a);
  };
}

function unlinkableJudge(text: string) {
  return (a: Answer) => (a.status === 'unlinkable' && a.rest.startsWith(text) ? null : describeAnswer(a));
}

function returnJudge(expected: WastValue[]) {
  return (a: Answer) => {
    if (a.status !== 'ok') return describeAnswer(a);
    const ok = a.values.length === expected.length && expected.every((v, i) => valueMatches(v, a.values[i]!));
    return ok ? null : `ok ${a.values.join(' ')}`;
  };
}

const refusalVerdict = (refusal: Promise<Refusal>) =>
  refusal.then((r) => (r.refused ? null : r.problem), (e: unknown) => `the check itself failed: ${String(e)}`);

async function linkOnlyLine(line: number, wasmPath: string): Promise<string> {
  const info = readWasmInfo(await readFile(wasmPath));
  return importsLine(line, info.imports.map((i) => ({
    module: i.module, name: i.name, kind: i.type.kind, params: i.type.params.join(''),
    results: i.type.results.join(''), mutable: i.type.mutable,
    min: i.type.limits?.min ?? null, max: i.type.limits?.max ?? null,
  })));
}

/** Turns a script into checks; builds start at once and share the pool. */
async function planChecks(file: string, priority: number, dir: string, commands: Command[]): Promise<Check[]> {
  // Every build starts now (the pool orders them); the checks await them below.
  const builds = new Map<string, Promise<string>>();
  for (const c of commands) {
    if ((c.type === 'module' || c.type === 'assert_uninstantiable' || c.type === 'assert_unlinkable') &&
        exclusionFor(file, c.line)?.instead !== 'link-only') {
      const build = objectFor(join(dir, c.filename), priority);
      build.catch(() => {}); // judged below, in script order
      builds.set(c.filename, build);
    }
  }
  const checks: Check[] = [];
  for (const c of commands) {
    const at = { line: c.line, type: c.type };
    switch (c.type) {
      case 'module': {
        const object = builds.get(c.filename)!;
        checks.push({ ...at, expected: 'ok', judge: okJudge,
          verdict: object.then(() => null, (e: unknown) => `the build failed: ${String(e).slice(0, 500)}`) });
        // A module that could not be built still gets its line: the driver
        // then forgets the current module, as a failed instantiation would.
        checks.at(-1)!.send = moduleLine(c.line, await object.catch(() => null), c.name);
        break;
      }
      case 'assert_uninstantiable':
      case 'assert_unlinkable': {
        const judge = c.type === 'assert_unlinkable' ? unlinkableJudge(c.text) : trapJudge(c.text);
        const expected = c.type === 'assert_unlinkable' ? `unlinkable ${c.text}` : `trap ${trapKindFor(c.text)} (${c.text})`;
        const exclusion = exclusionFor(file, c.line);
        if (exclusion?.instead === 'link-only') {
          linkOnly.push(`${file}:${c.line}`);
          checks.push({ ...at, expected, judge, send: await linkOnlyLine(c.line, join(dir, c.filename)) });
          break;
        }
        const object = await builds.get(c.filename)!.catch((e: unknown) => e);
        if (typeof object === 'string') checks.push({ ...at, expected, judge, send: instantiateLine(c.line, object) });
        else checks.push({ ...at, expected, judge, verdict: Promise.resolve(`the build failed: ${String(object).slice(0, 500)}`) });
        break;
      }
      case 'register':
        checks.push({ ...at, expected: 'ok', judge: okJudge, send: registerLine(c.line, c.as, c.name) });
        break;
      case 'action':
        checks.push({ ...at, expected: 'ok', judge: okJudge, send: actionLine(c.line, c.action) });
        break;
      case 'assert_return':
        checks.push({ ...at, expected: `ok ${c.expected.map(describeValue).join(' ')}`, judge: returnJudge(c.expected),
          send: actionLine(c.line, c.action) });
        break;
      case 'assert_trap':
      case 'assert_exhaustion':
        checks.push({ ...at, expected: `trap ${trapKindFor(c.text)} (${c.text})`, judge: trapJudge(c.text),
          send: actionLine(c.line, c.action) });
        break;
      case 'assert_invalid':
      case 'assert_malformed': {
        const path = join(dir, c.filename);
        const refusal = c.module_type === 'text'
          ? pool.run(() => refuseText(path, `${file}-${c.line}`, watOutDir, join(cacheRoot, 'wat-refusals')), priority)
          : refuseBinary(path, objectsDir);
        checks.push({ ...at, expected: `refused (${c.text})`, judge: () => null, verdict: refusalVerdict(refusal) });
        break;
      }
    }
  }
  return checks;
}

/** Every script of every suite folder, by file name (unique across the folders). */
const specFiles = (): Map<string, string> => {
  const only = process.env.EMBLY_SPEC_ONLY?.split(',').map((f) => (f.endsWith('.wast') ? f : `${f}.wast`));
  const paths = new Map<string, string>();
  for (const dir of specDirs.filter((d) => existsSync(d))) {
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.wast') && (!only || only.includes(f)))) paths.set(f, join(dir, f));
  }
  return paths;
};

const scriptPaths = specFiles();
const files = [...scriptPaths.keys()].sort();
const missingDirs = specDirs.filter((d) => !existsSync(d));

if (missingDirs.length > 0 || files.length === 0) {
  test('the spec suite is present', (t) => {
    t.fail(`no .wast files in ${missingDirs.join(', ') || specDirs.join(', ')}: set EMBLY_SPEC_DIR to the spec suite folders (a:b)`);
  });
} else if (!existsSync(driver)) {
  test('the spec driver is built', (t) => {
    t.fail(`${driver} is missing: run \`npm run build:native\``);
  });
}

for (const file of existsSync(driver) ? files : []) {
  test(file, async (t) => {
    t.timeout(30 * 60_000);
    const began = Date.now();
    const priority = files.indexOf(file);
    const script = await pool.run(() => convertScript(scriptPaths.get(file)!, join(cacheRoot, 'json')), priority);
    await mkdir(watOutDir, { recursive: true });
    const checks = await planChecks(file, priority, script.dir, script.commands);

    for (const e of EXCLUSIONS.filter((x) => x.file === file)) {
      if (!script.commands.some((c) => c.line === e.line && c.type === e.type)) {
        t.fail(`stale exclusion: ${file}:${e.line} is no ${e.type} any more (test/conformance/exclusions.ts)`);
      }
    }

    // The driver: one command file, one process, one answer per line.
    const sent = checks.filter((c) => c.send !== undefined);
    const runsDir = join(cacheRoot, 'runs');
    await mkdir(runsDir, { recursive: true });
    const commandsPath = join(runsDir, `${file}.commands`);
    await writeFile(commandsPath, sent.map((c) => c.send).join('\n') + '\n');
    const run = await pool.run(() => runDriver(driver, commandsPath, DRIVER_TIMEOUT_MS), priority);
    // Answers pair with command lines in order; each names its line, so a
    // slip shows. When the driver dies, the first unanswered command is the
    // one it died on; the ones after it never ran.
    const answers = new Map<Check, Answer | string>();
    let misaligned: string | null = null;
    let diedAt: number | null = null;
    sent.forEach((c, i) => {
      const a = run.answers[i];
      if (a && a.line !== c.line && !misaligned) misaligned = `answer ${i + 1} is for line ${a.line}, not ${c.line}`;
      if (misaligned) answers.set(c, `no answer: ${misaligned}`);
      else if (a) answers.set(c, a);
      else if (diedAt === null) {
        diedAt = c.line;
        answers.set(c, `the driver ${run.died ?? 'stopped answering'} running this command`);
      } else answers.set(c, `not run: the driver ${run.died ?? 'stopped answering'} at line ${diedAt}`);
    });

    const failures: string[] = [];
    const tally = new Map<CommandType, Tally>();
    for (const check of checks) {
      let problem = check.verdict ? await check.verdict : null;
      if (problem === null && check.send !== undefined) {
        const answer = answers.get(check)!;
        problem = typeof answer === 'string' ? answer : check.judge(answer);
      }
      const kind = tally.get(check.type) ?? { passed: 0, failed: 0 };
      tally.set(check.type, kind);
      const total = totals.get(check.type)!;
      if (problem === null) {
        kind.passed++;
        total.passed++;
      } else {
        kind.failed++;
        total.failed++;
        failures.push(`${file}:${check.line} ${check.type}: expected ${check.expected}, got ${problem}`);
      }
    }
    if (run.died && failures.length === 0) failures.push(`${file}: the driver ${run.died} after answering everything`);

    const counts = KINDS.filter((k) => tally.has(k))
      .map((k) => `${k} ${tally.get(k)!.passed}/${tally.get(k)!.passed + tally.get(k)!.failed}`);
    t.log(`${counts.join(', ')} (${Date.now() - began} ms)`);
    if (failures.length > 0) {
      // Every command after a crash fails the same way: one line says so.
      const notRun = failures.filter((f) => f.includes(', got not run: '));
      const shown = failures.filter((f) => !f.includes(', got not run: ')).slice(0, MAX_LISTED_FAILURES);
      if (notRun.length > 0) shown.push(`... ${notRun.length} later commands not run (${notRun[0]!.split(', got not run: ')[1]})`);
      const listed = Math.min(failures.length - notRun.length, MAX_LISTED_FAILURES) + notRun.length;
      if (failures.length > listed) shown.push(`... and ${failures.length - listed} more`);
      if (run.stderr.trim()) shown.push(`driver stderr (tail):\n${run.stderr.trim().split('\n').slice(-10).join('\n')}`);
      t.fail(`${failures.length} mismatches:\n${shown.join('\n')}`);
    } else {
      t.pass();
    }
  });
}

test.after.always('totals', async (t) => {
  const rows = KINDS.map((k) => {
    const { passed, failed } = totals.get(k)!;
    return `${k.padEnd(22)} ${String(passed).padStart(6)} passed ${String(failed).padStart(5)} failed`;
  });
  const lines = [
    `spec suite: ${files.length} scripts, ${objects.size} distinct modules, ${Date.now() - startedAt} ms, ${pool.size} jobs at once`,
    ...rows,
    `exclusions (${EXCLUSIONS.length}; checked link-only: ${linkOnly.join(', ') || 'none'}):`,
    ...EXCLUSIONS.map((e) => `  ${e.file}:${e.line} ${e.type}: ${e.reason}`),
  ];
  t.log(lines.join('\n'));
  await mkdir(cacheRoot, { recursive: true });
  await writeFile(join(cacheRoot, 'totals.json'), JSON.stringify({
    scripts: files.length, modules: objects.size, ms: Date.now() - startedAt,
    totals: Object.fromEntries(totals), linkOnly,
  }, null, 2));
});
