// `embly exec FUNCTION`: builds what changed, then runs one instance in a
// standalone runner: stdin is handle 1's input, handle 1's output is stdout,
// the function's logs go to stderr. Every function of the project is given
// to the runner, so `spawn` works as in `embly run`.

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadProject } from '../project/index.js';
import { buildProject } from '../compile/project-build.js';
import { execArguments, runnerFunction } from '../supervisor/index.js';
import { progressReporter } from '../compile/progress.js';
import { runnerBinary } from '../paths.js';

export async function execCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string', short: 'p' } } });
  const [name] = positionals;
  if (!name) {
    console.error('usage: embly exec FUNCTION [--project DIR]');
    return 64;
  }
  const project = await loadProject(values.project ?? process.cwd());
  if (!project.functions.some((f) => f.name === name)) {
    console.error(`embly: no function "${name}" in ${project.file}; it has: ${project.functions.map((f) => f.name).join(', ')}`);
    return 64;
  }
  const built = await buildProject(project, { progress: process.stderr.isTTY ? progressReporter(process.stderr, project.functions.map((f) => f.name)) : undefined });
  const child = spawn(runnerBinary, execArguments(name, built.map(runnerFunction)), { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
