// `embly build` cold (an empty state directory: no wasm, no AOT object, no cargo
// target) and cached (run again, nothing changed), per language, medians of K
// runs; the cached build's baseline is the cold one (ratio cached/cold). See
// bench/README.md, "build".
//
//   node dist/bench/build.js [--quick] [--runs K] [--json FILE]
//
// Each build is the real CLI (bin/embly.js build --state-dir DIR) on a
// one-function project that points at the example of that language
// (examples/hello-*), timed from spawning it to its exit: what a user waits for,
// Node's start included. A missing toolchain fails the run with `embly build`'s
// own message (which names the apt-get line); no language is skipped.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../src/paths.js';
import { BenchError, runBench } from './cli.js';
import { figureOf, type BenchFigure } from './figures.js';
import { median } from './proc.js';
import { parseOptions, rerunCommand, table, writeJson } from './report.js';

const run = promisify(execFile);
const EMBLY = join(packageRoot, 'bin', 'embly.js');

/** The example each language's build is timed on. */
const LANGUAGES = [
  { language: 'wat', path: 'hello-wat/hello.wat' },
  { language: 'c', path: 'hello-c/hello.c' },
  { language: 'rust', path: 'hello-rust' },
  { language: 'assemblyscript', path: 'hello-as/hello.ts' },
] as const;

type Language = (typeof LANGUAGES)[number]['language'];

/** A project directory with one function of `language`, the example's source by absolute path. */
function projectFor(work: string, language: Language, path: string): string {
  const dir = join(work, `project-${language}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'embly-project.yml'), `functions:\n  - name: hello\n    path: ${JSON.stringify(join(packageRoot, 'examples', path))}\n    language: ${language}\n`);
  return dir;
}

/** Wall-clock milliseconds of one `embly build`. */
async function timedBuild(project: string, stateDir: string): Promise<number> {
  const started = process.hrtime.bigint();
  await run(process.execPath, [EMBLY, 'build', '--state-dir', stateDir, project], { maxBuffer: 1 << 24 }).catch((e: { code?: number; stderr?: string; message: string }) => {
    // 69 (EX_UNAVAILABLE) is embly's exit status for a missing toolchain: a setup problem.
    throw new BenchError(`embly build ${project} failed:\n${(e.stderr || e.message).trim()}`, e.code === 69 ? 2 : 1);
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(argv: string[]): Promise<number> {
  const { common } = parseOptions(argv, {}, 1, 5);
  const work = mkdtempSync(join(tmpdir(), 'embly-bench-build-'));
  try {
    const projects = new Map(LANGUAGES.map((l) => [l.language, projectFor(work, l.language, l.path)]));
    const cold = new Map<Language, number[]>(LANGUAGES.map((l) => [l.language, []]));
    const cached = new Map<Language, number[]>(LANGUAGES.map((l) => [l.language, []]));
    for (let r = 0; r < common.runs; r++) {
      // A rotating order of languages, so drift in the machine's load spreads over all of them.
      for (let i = 0; i < LANGUAGES.length; i++) {
        const { language } = LANGUAGES[(r + i) % LANGUAGES.length]!;
        const stateDir = join(work, `state-${language}-${r}`);
        process.stderr.write(`run ${r + 1}/${common.runs}: ${language} cold ... `);
        cold.get(language)!.push(await timedBuild(projects.get(language)!, stateDir));
        process.stderr.write('cached ... ');
        cached.get(language)!.push(await timedBuild(projects.get(language)!, stateDir));
        process.stderr.write('done\n');
        rmSync(stateDir, { recursive: true, force: true });
      }
    }
    const command = rerunCommand('build', common);
    const figures: BenchFigure[] = LANGUAGES.flatMap(({ language }) => [
      figureOf({ section: 'Build', figure: `embly build, ${language}, cold`, unit: 'ms', runs: cold.get(language)!, command }),
      figureOf({ section: 'Build', figure: `embly build, ${language}, cached`, unit: 'ms', runs: cached.get(language)!, baseline: { name: `embly build, ${language}, cold`, runs: cold.get(language)! }, command }),
    ]);
    console.log(`build: \`embly build\` of one example function per language, cold (empty state directory) then cached (no change), ${common.runs} runs, medians`);
    console.log(table([
      ['language', 'cold ms', 'cached ms', 'cached/cold', 'cold runs', 'cached runs'],
      ...LANGUAGES.map(({ language }) => {
        const c = cold.get(language)!;
        const k = cached.get(language)!;
        return [language, median(c).toFixed(0), median(k).toFixed(0), `${(median(k) / median(c)).toFixed(3)}×`, c.map((n) => n.toFixed(0)).join(' '), k.map((n) => n.toFixed(0)).join(' ')];
      }),
    ]));
    console.log(`rerun: ${command}`);
    writeJson(common, 'build', figures);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
