// `embly doctor`: is this machine ready to build and serve? A table of
// checks (docs/doctor.md) with the exact command for each thing not fine.
// The exit status is 69 (EX_UNAVAILABLE) when something a project needs is
// missing: what every function needs (Node, the native build, cc, wabt,
// seccomp), and each toolchain the project in --project (or the current
// folder, if it has one) uses; without a project, every toolchain.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SOCKET } from '../daemon/daemon.js';
import { runChecks, type CheckResult } from '../doctor/checks.js';
import { EXIT } from '../errors.js';
import { loadProject, PROJECT_FILE_NAME, type Language } from '../project/index.js';
import { path } from './flags.js';
import { withExitStatus } from './program.js';

interface DoctorFlags { project?: string; socket: string; }

export function addDoctorCommand(program: Command): void {
  program.command('doctor')
    .description('check Node, the native build, each toolchain, seccomp, the socket, the metrics port and the service; print the fix for each problem')
    .option('-p, --project <dir>', 'the project whose languages must be there (default: the current folder, if it has embly-project.yml)', path)
    .option('--socket <path>', "the master's socket", path, DEFAULT_SOCKET)
    .action(withExitStatus(doctor));
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok', missing: 'MISSING', warning: 'warning' };

async function doctor(flags: DoctorFlags): Promise<number> {
  const dir = resolve(flags.project ?? process.cwd());
  const languages = flags.project !== undefined || existsSync(join(dir, PROJECT_FILE_NAME))
    ? new Set<Language>((await loadProject(dir)).functions.map((f) => f.language))
    : undefined; // no project: every language counts
  const results = await runChecks({ socket: flags.socket, unit: '/etc/systemd/system/embly.service' });
  console.log(table(results));
  const needed = results.filter((r) => r.status === 'missing' && isNeeded(r, languages));
  for (const r of results.filter((r) => r.fix && r.status !== 'ok')) console.log(`fix ${r.name}: ${r.fix}`);
  if (needed.length > 0) {
    console.log(`\nembly doctor: missing what ${languages ? 'this project' : 'a project'} needs: ${needed.map((r) => r.name).join(', ')}`);
    return EXIT.unavailable;
  }
  return EXIT.ok;
}

function isNeeded(result: CheckResult, languages: Set<Language> | undefined): boolean {
  if (result.languages === 'all') return true;
  if (!result.languages) return false;
  return languages === undefined || result.languages.some((l) => languages.has(l));
}

function table(results: CheckResult[]): string {
  const width = (pick: (r: CheckResult) => string) => Math.max(...results.map((r) => pick(r).length));
  const nameWidth = width((r) => r.name);
  const markWidth = width((r) => MARK[r.status]);
  return results.map((r) => `${r.name.padEnd(nameWidth)}  ${MARK[r.status].padEnd(markWidth)}  ${r.detail}`).join('\n');
}
