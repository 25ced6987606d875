import { parseArgs } from 'node:util';
import { loadProject } from '../project/index.js';
import { buildProject } from '../compile/project-build.js';
import { progressReporter } from '../compile/progress.js';

export async function buildCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { jobs: { type: 'string', short: 'j' } } });
  const project = await loadProject(positionals[0] ?? process.cwd());
  const names = project.functions.map((f) => f.name);
  const built = await buildProject(project, {
    progress: progressReporter(process.stderr, names),
    jobs: values.jobs ? Number(values.jobs) : undefined,
  });
  const compiled = built.filter((b) => b.compiled).length;
  console.error(`built ${built.length} function${built.length === 1 ? '' : 's'} (${compiled} compiled, ${built.length - compiled} up to date)`);
  return 0;
}
