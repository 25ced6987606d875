// The runner's libFuzzer harnesses (native/fuzz/, docs/fuzzing.md), run for a
// bounded time: each replays its regressions (every crash ever found), then
// fuzzes from its seed corpus for EMBLY_FUZZ_SECONDS (default 60) and fails on
// any crash, leak, undefined behaviour or hang, naming the reproducer.
import test from 'ava';
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const buildDir = join(root, 'build', 'fuzz');
const seconds = Number(process.env.EMBLY_FUZZ_SECONDS ?? 60);
/** Past its time, a harness is hung: the scheduler's SIGALRM tick takes the
 * signal libFuzzer's own -timeout would use, so the test keeps the watch. */
const HANG_GRACE_MS = 60_000;
const BUILD_TIMEOUT_MS = 240_000;
const targets = ['frames', 'hostcalls'] as const;
type Target = (typeof targets)[number];

const run = promisify(execFile);

async function buildHarnesses(): Promise<void> {
  await run('cmake', ['-S', root, '-B', buildDir, '-DEMBLY_FUZZ=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
    '-DCMAKE_C_COMPILER=clang', '-DCMAKE_CXX_COMPILER=clang++'], { timeout: BUILD_TIMEOUT_MS });
  await run('cmake', ['--build', buildDir, '--target', 'embly-fuzz', '-j2'], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 << 20 });
}

let built: Promise<void> | undefined;
const harnesses = () => (built ??= buildHarnesses());

interface Outcome { code: number | null; signal: string | null; hung: boolean; log: string }

/** Runs a harness with its output in build/fuzz/logs/NAME.log (the runner logs every malformed frame). */
function runHarness(target: Target, args: string[], name: string, limitMs: number): Promise<Outcome> {
  const logs = join(buildDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = join(logs, `${name}.log`);
  const out = createWriteStream(log);
  const child = spawn(join(buildDir, 'bin', `embly-fuzz-${target}`), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  let hung = false;
  const watch = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, limitMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(watch);
      out.end(() => resolve({ code, signal, hung, log }));
    });
  });
}

/** What a failure shows: libFuzzer's and the sanitizer's lines, not the runner's log lines. */
function report(outcome: Outcome): string {
  const lines = readFileSync(outcome.log, 'latin1').split('\n').filter((l) => !l.startsWith('embly: ') && !l.startsWith('['));
  const reproducer = lines.find((l) => l.includes('Test unit written to'));
  const how = outcome.hung ? 'hung (killed)' : `exited ${outcome.code ?? outcome.signal}`;
  return [`the harness ${how}; ${reproducer ?? 'no reproducer written'}; full output in ${outcome.log}`,
    ...lines.slice(-60)].join('\n');
}

for (const target of targets) {
  const corpus = join(root, 'test', 'fuzz', 'corpus', target);
  const regressions = join(root, 'test', 'fuzz', 'regressions', target);

  test.serial(`${target}: every committed regression input runs clean`, async (t) => {
    t.timeout(BUILD_TIMEOUT_MS * 2 + HANG_GRACE_MS);
    await harnesses();
    const inputs = existsSync(regressions) ? readdirSync(regressions).map((f) => join(regressions, f)) : [];
    const seeds = readdirSync(corpus).map((f) => join(corpus, f));
    t.true(seeds.length > 0, `a seed corpus in ${corpus}`);
    // Given files, libFuzzer runs each once and stops at the first crash.
    const outcome = await runHarness(target, ['-timeout=0', ...inputs, ...seeds], `${target}-replay`, HANG_GRACE_MS);
    t.is(outcome.code, 0, report(outcome));
  });

  test.serial(`${target}: ${seconds} s of coverage-guided fuzzing find no crash`, async (t) => {
    t.timeout(BUILD_TIMEOUT_MS * 2 + seconds * 1000 + HANG_GRACE_MS * 2);
    await harnesses();
    // New inputs go to a working corpus under build/fuzz; the committed seeds stay as they are.
    const work = join(buildDir, 'corpus', target);
    const crashes = join(buildDir, 'crashes', target);
    mkdirSync(work, { recursive: true });
    mkdirSync(crashes, { recursive: true });
    const dictionary = `${corpus}.dict`;
    const outcome = await runHarness(target, [`-max_total_time=${seconds}`, '-timeout=0', '-use_value_profile=1',
      '-print_final_stats=1', `-artifact_prefix=${crashes}/`, ...(existsSync(dictionary) ? [`-dict=${dictionary}`] : []),
      work, corpus], `${target}-fuzz`, seconds * 1000 + HANG_GRACE_MS);
    t.is(outcome.code, 0, report(outcome));
    t.regex(readFileSync(outcome.log, 'latin1'), /Done \d+ runs in \d+ second/, 'libFuzzer ran to its time limit');
  });
}
