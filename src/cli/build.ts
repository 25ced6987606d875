import type { Command } from 'commander';
import { loadProject } from '../project/index.js';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';
import { positiveInteger, stateDirOption } from './flags.js';
import { withExitStatus } from './program.js';

interface BuildFlags { jobs?: number; stateDir?: string; }

export function addBuildCommand(program: Command): void {
  program.command('build')
    .description('compile every function to wasm and AOT objects (unchanged ones are skipped)')
    .argument('[project_dir]', 'the directory of embly-project.yml (default: the current one)')
    .option('-j, --jobs <n>', 'functions compiled at once (default: the cores)', positiveInteger)
    .addOption(stateDirOption())
    .action(withExitStatus(build));
}

async function build(dir: string | undefined, flags: BuildFlags): Promise<number> {
  const project = await loadProject(dir ?? process.cwd());
  const names = project.functions.map((f) => f.name);
  const built = await buildProject(project, { progress: progressReporter(process.stderr, names), jobs: flags.jobs, stateDir: flags.stateDir });
  const compiled = built.filter((b) => b.compiled).length;
  console.error(`built ${built.length} function${built.length === 1 ? '' : 's'} (${compiled} compiled, ${built.length - compiled} up to date)`);
  return 0;
}
