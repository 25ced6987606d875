// The macOS flavour: launchd/com.embly.embly.plist filled with this
// machine's paths, as the user's LaunchAgent or (as root) a LaunchDaemon that
// runs as the user who ran sudo. Only --dry-run runs it off macOS (the tests).

import { join } from 'node:path';
import type { Plan, Step } from './plan.js';
import { privilegedPortNotes, type ServiceHost, type ServiceTarget } from './target.js';
import { fillTemplate, readTemplate, xmlText } from './template.js';

export const LABEL = 'com.embly.embly';
export const PLIST_TEMPLATE = join('launchd', `${LABEL}.plist`);

/** Where a LaunchAgent's (the user's Library) or a LaunchDaemon's (/Library) files go. */
function library(target: ServiceHost): string {
  return target.scope === 'user' ? join(target.home, 'Library') : '/Library';
}

export function plistPath(target: ServiceHost): string {
  return join(library(target), target.scope === 'user' ? 'LaunchAgents' : 'LaunchDaemons', `${LABEL}.plist`);
}

/** The build's files (--state-dir) and the log: launchd creates neither directory. */
export function launchdDirs(target: ServiceHost): { stateDir: string; logDir: string } {
  return { stateDir: join(library(target), 'Caches', LABEL), logDir: join(library(target), 'Logs', 'embly') };
}

/** launchctl's name for where the job lives: the user's GUI session, or the system. */
function domain(target: ServiceHost): string {
  return target.scope === 'user' ? `gui/${target.uid}` : 'system';
}

export async function launchdPlist(target: ServiceTarget): Promise<string> {
  const { stateDir, logDir } = launchdDirs(target);
  const userName = `<key>UserName</key>\n  <string>${xmlText(target.userName)}</string>`;
  return fillTemplate(await readTemplate(PLIST_TEMPLATE), {
    NODE: xmlText(target.node),
    EMBLY: xmlText(target.embly),
    PROJECT: xmlText(target.projectDir),
    STATE_DIR: xmlText(stateDir),
    LOG_DIR: xmlText(logDir),
    USER_NAME: target.scope === 'system' ? userName : null,
  });
}

/** Makes the directories, writes the plist and loads it anew (RunAtLoad starts it). */
export async function launchdInstallPlan(target: ServiceTarget): Promise<Plan> {
  const { stateDir, logDir } = launchdDirs(target);
  const steps: Step[] = [{ kind: 'run', argv: ['mkdir', '-p', stateDir, logDir] }];
  if (target.scope === 'system') steps.push({ kind: 'run', argv: ['chown', target.userName, stateDir, logDir] });
  steps.push(
    { kind: 'write', path: plistPath(target), text: await launchdPlist(target), mode: 0o644 },
    { kind: 'run', argv: ['launchctl', 'bootout', `${domain(target)}/${LABEL}`], mayFail: true }, // a job of an earlier install
    { kind: 'run', argv: ['launchctl', 'bootstrap', domain(target), plistPath(target)] },
  );
  return { steps, notes: [`embly serves ${target.projectDir}: emblyctl status; its log: ${join(logDir, 'embly.log')}`, ...privilegedPortNotes(target.project)] };
}

export function launchdUninstallPlan(target: ServiceHost, installed: boolean): Plan {
  const path = plistPath(target);
  if (!installed) return { steps: [], notes: [`not installed: there is no ${path}`] };
  const { stateDir, logDir } = launchdDirs(target);
  return {
    steps: [
      { kind: 'run', argv: ['launchctl', 'bootout', `${domain(target)}/${LABEL}`], mayFail: true },
      { kind: 'remove', path },
    ],
    notes: [`kept: ${stateDir} (builds) and ${logDir}; to remove them: rm -rf ${stateDir} ${logDir}`],
  };
}
