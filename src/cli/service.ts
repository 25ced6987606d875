// `embly service install|uninstall`: Embly as a systemd service (Linux) or a
// launchd job (macOS), with this machine's paths (src/service/, docs/service.md).
import { type Command, Option } from 'commander';
import { installService, uninstallService } from '../service/install.js';
import type { Platform } from '../service/target.js';
import { withExitStatus } from './program.js';

interface ServiceFlags { user?: boolean; dryRun?: boolean; platform?: Platform; }

/** Whose service files to write, for tests of the other platform's --dry-run. */
const platformOption = () => new Option('--platform <os>').choices(['linux', 'darwin']).hideHelp();

function scopeOf(flags: ServiceFlags) {
  return { scope: flags.user ? 'user' as const : 'system' as const, dryRun: flags.dryRun === true, platform: flags.platform, out: (text: string) => process.stdout.write(text) };
}

export function addServiceCommand(program: Command): void {
  const service = program.command('service').description('install embly as an OS service (systemd, launchd) serving a project');
  service.command('install')
    .description('write the service file with this machine\'s paths, create the service user, enable and start it')
    .argument('[project_dir]', 'the directory of embly-project.yml (default: the current one)')
    .option('--user', 'a service of your own user (systemd --user, a LaunchAgent) rather than of the system')
    .option('--dry-run', 'print every file and command instead of writing or running them')
    .addOption(platformOption())
    .action(withExitStatus(async (dir: string | undefined, flags: ServiceFlags) => {
      await installService({ ...scopeOf(flags), projectDir: dir ?? process.cwd() });
      return 0;
    }));
  service.command('uninstall')
    .description('stop and disable the service and remove its file (its user and build cache stay)')
    .option('--user', 'the service of your own user')
    .option('--dry-run', 'print every command instead of running it')
    .addOption(platformOption())
    .action(withExitStatus(async (flags: ServiceFlags) => {
      await uninstallService(scopeOf(flags));
      return 0;
    }));
}
