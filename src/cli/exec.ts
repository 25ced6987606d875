// `embly exec FUNCTION`: builds what changed, then runs one instance in a
// standalone runner: stdin is handle 1's input, handle 1's output is stdout,
// the function's logs go to stderr. Every function of the project is given
// to the runner, so `spawn` works as in `embly run`. Its exit status is the
// runner's (docs/errors.md, "Exit statuses"): the instance's own code, or
// one of the runner's outcomes.

import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { loadProject } from '../project/index.js';
import { buildProject } from '../compile/project-build.js';
// The files, not supervisor/index.js: that loads the runner pool, which exec never uses.
import { execArguments, runnerFunction } from '../supervisor/runner-args.js';
import { signalStatus } from '../supervisor/exit.js';
import { progressReporter } from '../compile/progress.js';
import { runnerBinary } from '../paths.js';
import { UnknownFunctionError } from '../errors.js';
import { path, stateDirOption } from './flags.js';
import { withExitStatus } from './program.js';

interface ExecFlags { project?: string; stateDir?: string; }

export function addExecCommand(program: Command): void {
  program.command('exec')
    .description('run one instance of a function: stdin -> handle 1 -> stdout, logs to stderr')
    .argument('<function>', 'the function to run')
    .option('-p, --project <dir>', 'the directory of embly-project.yml (default: the current one)', path)
    .addOption(stateDirOption())
    .action(withExitStatus(exec));
}

async function exec(name: string, flags: ExecFlags): Promise<number> {
  const project = await loadProject(flags.project ?? process.cwd());
  if (!project.functions.some((f) => f.name === name))
    throw new UnknownFunctionError(`no function "${name}" in ${project.file}; it has: ${project.functions.map((f) => f.name).join(', ')}`);
  const progress = process.stderr.isTTY ? progressReporter(process.stderr, project.functions.map((f) => f.name)) : undefined;
  const built = await buildProject(project, { progress, stateDir: flags.stateDir });
  const child = spawn(runnerBinary, execArguments(name, built.map(runnerFunction)), { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(signal ? signalStatus(signal) : code!));
  });
}
