// Who and what a service is installed for: the platform (whose service
// manager), system-wide or the user's own, and this machine's paths of node,
// embly, emblyctl and the project, each resolved once so the unit names real
// files rather than links that may move.

import { realpathSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../paths.js';
import { loadProject, type Project } from '../project/index.js';

export type Platform = 'linux' | 'darwin';
export type Scope = 'system' | 'user';

/** Whose service it is: enough to find its files (uninstall needs no more). */
export interface ServiceHost {
  platform: Platform;
  scope: Scope;
  /** The home of whoever installs it: where a user's service files go. */
  home: string;
  /** The user who ran the install (under sudo, the one who ran sudo): a macOS daemon runs as them. */
  userName: string;
  uid: number;
}

/** What it runs: the host and this machine's paths. */
export interface ServiceTarget extends ServiceHost {
  node: string;
  embly: string;
  emblyctl: string;
  packageRoot: string;
  project: Project;
  /** The project's directory, links resolved: what the service runs. */
  projectDir: string;
}

/** This process's user; for a system service, the user behind sudo when there is one. */
function installingUser(scope: Scope): { userName: string; uid: number } {
  const sudoUid = Number(process.env.SUDO_UID);
  if (scope === 'system' && process.env.SUDO_USER && Number.isInteger(sudoUid)) return { userName: process.env.SUDO_USER, uid: sudoUid };
  return { userName: userInfo().username, uid: process.getuid?.() ?? 0 };
}

export function serviceHost(platform: Platform, scope: Scope): ServiceHost {
  return { platform, scope, home: homedir(), ...installingUser(scope) };
}

export async function serviceTarget(host: ServiceHost, projectDir: string): Promise<ServiceTarget> {
  const project = await loadProject(resolve(projectDir));
  const root = realpathSync(packageRoot);
  return {
    ...host,
    node: realpathSync(process.execPath),
    embly: join(root, 'bin', 'embly.js'),
    emblyctl: join(root, 'bin', 'emblyctl.js'),
    packageRoot: root,
    project,
    projectDir: realpathSync(project.root),
  };
}

/** Gateways a process without privileges cannot listen on, as a note for the user. */
export function privilegedPortNotes(project: Project): string[] {
  return project.gateways.filter((g) => g.port > 0 && g.port < 1024).map((g) =>
    `gateway ${g.name} listens on port ${g.port}, below 1024: the service needs CAP_NET_BIND_SERVICE for it (docs/service.md, "Ports below 1024")`);
}
