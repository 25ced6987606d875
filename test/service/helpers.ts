// `embly service ... --dry-run` as a user runs it, and what it printed read back:
// the files it would write and the commands it would run, in order.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { packageRoot } from '../../src/paths.js';
import { testCache } from '../helpers/objects.js';

export type DryRunLine = { file: string; mode: string; text: string } | { command: string } | { note: string };

/** The steps of a dry run's output: each file whole, each command, each note. */
export function dryRunSteps(stdout: string): DryRunLine[] {
  const steps: DryRunLine[] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const write = /^# write (.+) \(mode (\d{4})\):$/.exec(line);
    if (write) {
      const end = lines.indexOf(`# end of ${write[1]}`, i);
      if (end < 0) throw new Error(`no end of ${write[1]} in the dry run`);
      steps.push({ file: write[1]!, mode: write[2]!, text: lines.slice(i + 1, end).join('\n') + '\n' });
      i = end;
    } else if (line.startsWith('# ')) steps.push({ note: line.slice(2) });
    else if (line !== '') steps.push({ command: line });
  }
  return steps;
}

/** The one file a dry run would write. */
export function writtenFile(stdout: string): { file: string; mode: string; text: string } {
  const files = dryRunSteps(stdout).filter((s): s is { file: string; mode: string; text: string } => 'file' in s);
  if (files.length !== 1) throw new Error(`the dry run writes ${files.length} files:\n${stdout}`);
  return files[0]!;
}

export const commands = (stdout: string): string[] => dryRunSteps(stdout).flatMap((s) => ('command' in s ? [s.command] : []));

/** A copy of the wat hello project (one function, one HTTP gateway) in a directory named `name`,
 * outside /tmp (a system service's /tmp is its own), removed when the test ends. */
export async function helloProject(t: ExecutionContext, name = 'hello'): Promise<string> {
  await mkdir(testCache, { recursive: true });
  const parent = await mkdtemp(join(testCache, 'service-'));
  t.teardown(() => rm(parent, { recursive: true, force: true }));
  const dir = join(parent, name);
  await mkdir(dir);
  await cp(join(packageRoot, 'examples', 'hello-wat', 'hello.wat'), join(dir, 'hello.wat'));
  await writeFile(join(dir, 'embly-project.yml'),
    'functions:\n  - name: hello\n    path: ./hello.wat\n    language: wat\ngateways:\n  - name: web\n    type: http\n    port: 8080\n    function: hello\n');
  return dir;
}
