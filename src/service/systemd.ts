// The systemd flavour: systemd/embly.service filled with this machine's
// paths, as a system service (its own user, the full sandbox) or a user's
// (their own manager, the sandbox settings that need no privileges).

import { execFile } from 'node:child_process';
import { basename, isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import type { Plan, Step } from './plan.js';
import { privilegedPortNotes, type ServiceHost, type ServiceTarget } from './target.js';
import { fillTemplate, readTemplate, systemdPath, systemdText, withoutBlock } from './template.js';

export const UNIT_NAME = 'embly.service';
export const UNIT_TEMPLATE = join('systemd', UNIT_NAME);
/** The system service's user, created by the install. */
export const SERVICE_USER = 'embly';
/** Its home: the unit's StateDirectory. */
export const SERVICE_HOME = '/var/lib/embly';

/** What ProtectHome= hides; paths under these are bound back in. */
const HOME_ROOTS = ['/home', '/root', '/run/user'];
/** What PrivateTmp= replaces: a project there is out of the service's sight. */
const PRIVATE_TMP_ROOTS = ['/tmp', '/var/tmp'];

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
const underAny = (path: string, roots: string[]) => roots.some((root) => isUnder(path, root));

export function unitPath(target: ServiceHost): string {
  if (target.scope === 'system') return join('/etc/systemd/system', UNIT_NAME);
  const config = process.env.XDG_CONFIG_HOME || join(target.home, '.config');
  return join(config, 'systemd', 'user', UNIT_NAME);
}

/** The paths the service reads: the project (and function sources outside it), Embly, node. */
function pathsRead(target: ServiceTarget): string[] {
  return [target.projectDir, ...target.project.functions.map((f) => f.path), target.packageRoot, target.node];
}

/** The read paths under a home directory, each once (none inside another). */
export function homePaths(target: ServiceTarget): string[] {
  const paths = [...new Set(pathsRead(target).filter((p) => underAny(p, HOME_ROOTS)))].sort();
  return paths.filter((p) => !paths.some((other) => other !== p && isUnder(p, other)));
}

function checkVisible(target: ServiceTarget): void {
  const hidden = pathsRead(target).find((p) => underAny(p, PRIVATE_TMP_ROOTS));
  if (target.scope === 'system' && hidden)
    throw new UsageError(`${hidden} is under ${PRIVATE_TMP_ROOTS.join(' or ')}, which the service replaces with its own (PrivateTmp=yes): move the project elsewhere, /srv say`);
}

/** The unit as this install writes it. */
export async function systemdUnit(target: ServiceTarget): Promise<string> {
  checkVisible(target);
  const template = await readTemplate(UNIT_TEMPLATE);
  const home = homePaths(target);
  const exec = (path: string) => systemdPath(path, 'exec');
  return fillTemplate(target.scope === 'system' ? template : withoutBlock(template, 'system-only'), {
    PROJECT_NAME: systemdText(basename(target.projectDir)),
    DOCS: systemdText(pathToFileURL(join(target.packageRoot, 'docs', 'service.md')).href),
    NODE: exec(target.node),
    EMBLY: exec(target.embly),
    EMBLYCTL: exec(target.emblyctl),
    PROJECT: exec(target.projectDir),
    BIND_READ_ONLY: home.length > 0 ? `BindReadOnlyPaths=${home.map((p) => systemdPath(p, 'setting')).join(' ')}` : null,
    PROTECT_HOME: home.length > 0 ? 'tmpfs' : 'yes',
    WANTED_BY: target.scope === 'system' ? 'multi-user.target' : 'default.target',
  });
}

/** Whether the system has the service's user (`id` answers for it). */
export function serviceUserExists(): Promise<boolean> {
  return new Promise((resolve) => execFile('id', ['-u', SERVICE_USER], (error) => resolve(!error)));
}

function systemctl(target: ServiceHost, ...args: string[]): string[] {
  return target.scope === 'user' ? ['systemctl', '--user', ...args] : ['systemctl', ...args];
}

function journalHint(target: ServiceHost): string {
  return `\`journalctl ${target.scope === 'user' ? '--user ' : ''}-u embly -e\` says why`;
}

const CREATE_USER = ['useradd', '--system', '--user-group', '--home-dir', SERVICE_HOME, '--no-create-home',
  '--shell', '/usr/sbin/nologin', '--comment', 'Embly serverless WebAssembly runtime', SERVICE_USER];

/** Creates the user if need be, writes the unit, enables it and (re)starts it with it. */
export async function systemdInstallPlan(target: ServiceTarget, userExists: boolean): Promise<Plan> {
  const steps: Step[] = [];
  if (target.scope === 'system' && !userExists) steps.push({ kind: 'run', argv: CREATE_USER });
  steps.push(
    { kind: 'write', path: unitPath(target), text: await systemdUnit(target), mode: 0o644 },
    { kind: 'run', argv: systemctl(target, 'daemon-reload') },
    { kind: 'run', argv: systemctl(target, 'enable', UNIT_NAME) },
    // restart, not start: a unit already running takes the new file too
    { kind: 'run', argv: systemctl(target, 'restart', UNIT_NAME), hint: journalHint(target) },
  );
  const user = target.scope === 'user' ? '--user ' : '';
  const notes = [
    `embly serves ${target.projectDir}: systemctl ${user}status embly; emblyctl status; journalctl ${user}-u embly`,
    ...privilegedPortNotes(target.project),
  ];
  if (target.scope === 'user') notes.push(`to keep it running while you are logged out: loginctl enable-linger ${target.userName}`);
  return { steps, notes };
}

/** Stops and disables the service and removes its unit; its user and directories stay. */
export function systemdUninstallPlan(target: ServiceHost, installed: boolean): Plan {
  const path = unitPath(target);
  if (!installed) return { steps: [], notes: [`not installed: there is no ${path}`] };
  const kept = target.scope === 'system'
    ? `kept: the user ${SERVICE_USER}, /var/cache/embly (builds) and ${SERVICE_HOME}; to remove them: userdel ${SERVICE_USER}; rm -rf /var/cache/embly ${SERVICE_HOME}`
    : `kept: ~/.cache/embly (builds); to remove it: rm -rf ~/.cache/embly`;
  return {
    steps: [
      { kind: 'run', argv: systemctl(target, 'disable', '--now', UNIT_NAME) },
      { kind: 'remove', path },
      { kind: 'run', argv: systemctl(target, 'daemon-reload') },
    ],
    notes: [kept],
  };
}
