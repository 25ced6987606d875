// `embly dev`: `embly run` for a developer's loop. It serves the project as
// `embly run` does and watches the project file and every function's
// sources; a change rebuilds what changed and swaps it in through the same
// reload as the service's SIGHUP (docs/dev.md).
import type { Command } from 'commander';
import { DevLoop } from '../dev/loop.js';
import { withExitStatus } from './program.js';
import { addServeOptions, serve, type RunFlags } from './run.js';

export function addDevCommand(program: Command): void {
  addServeOptions(program.command('dev')
    .description('serve the project as `embly run` does, rebuilding and swapping in each function whose sources change'))
    .action(withExitStatus((dir: string | undefined, flags: RunFlags) => serve(dir, flags, (daemon, project, log) => {
      const loop = new DevLoop({ daemon, project, log: log.child('dev'), write: (line) => console.log(line) });
      void loop.start().then(() => console.log(`embly dev: watching ${project.file} and the sources of ${project.functions.length} function(s)`));
      return loop;
    })));
}
