// `embly service install|uninstall`: the plan for this platform's service
// manager (systemd.ts, launchd.ts), printed with --dry-run, else carried out
// once the machine can take it (the manager runs, root for a system install).

import { existsSync } from 'node:fs';
import { ServiceManagerError, ServicePermissionError } from '../errors.js';
import { launchdInstallPlan, launchdUninstallPlan, plistPath } from './launchd.js';
import { carryOut, describePlan, type Plan } from './plan.js';
import { serviceUserExists, systemdInstallPlan, systemdUninstallPlan, unitPath } from './systemd.js';
import { serviceHost, serviceTarget, type Platform, type Scope, type ServiceHost } from './target.js';

export interface ServiceOptions {
  scope: Scope;
  dryRun: boolean;
  /** Whose service manager: this machine's unless asked (a --dry-run of the other). */
  platform?: Platform;
  /** The project to serve (install only). */
  projectDir: string;
  /** Where the dry run, the progress and the notes go. */
  out: (text: string) => void;
}

/** This machine's platform, if it is one with a service manager Embly knows. */
export function hostPlatform(): Platform | null {
  return process.platform === 'linux' || process.platform === 'darwin' ? process.platform : null;
}

/** Refuses, before anything is done, what cannot be carried out here. */
function checkMachine(target: ServiceHost): void {
  if (target.platform !== hostPlatform())
    throw new ServiceManagerError(`a ${target.platform} service cannot be installed on ${process.platform}; --platform is for --dry-run`);
  if (target.platform === 'linux' && !existsSync('/run/systemd/system'))
    throw new ServiceManagerError('systemd is not running on this machine (no /run/systemd/system): embly service installs systemd units');
  if (target.scope === 'system' && process.getuid?.() !== 0)
    throw new ServicePermissionError('a system-wide service needs root: run it with sudo, or install it for yourself with --user');
}

function hostOf(options: Pick<ServiceOptions, 'platform' | 'scope'>): ServiceHost {
  const platform = options.platform ?? hostPlatform();
  if (!platform) throw new ServiceManagerError(`embly service knows systemd (Linux) and launchd (macOS), not ${process.platform}`);
  return serviceHost(platform, options.scope);
}

async function carryOutOrDescribe(target: ServiceHost, plan: Plan, options: Pick<ServiceOptions, 'dryRun' | 'out'>): Promise<void> {
  if (options.dryRun) return options.out(describePlan(plan));
  checkMachine(target);
  await carryOut(plan, (line) => options.out(`${line}\n`));
  for (const note of plan.notes) options.out(`${note}\n`);
}

export async function installService(options: ServiceOptions): Promise<void> {
  const target = await serviceTarget(hostOf(options), options.projectDir);
  const plan = target.platform === 'linux'
    ? await systemdInstallPlan(target, await serviceUserExists())
    : await launchdInstallPlan(target);
  await carryOutOrDescribe(target, plan, options);
}

export async function uninstallService(options: Omit<ServiceOptions, 'projectDir'>): Promise<void> {
  const target = hostOf(options);
  const plan = target.platform === 'linux'
    ? systemdUninstallPlan(target, existsSync(unitPath(target)))
    : launchdUninstallPlan(target, existsSync(plistPath(target)));
  await carryOutOrDescribe(target, plan, options);
}
