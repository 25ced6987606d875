// Install hints that name Debian packages for the release this machine runs.

import { readFileSync } from 'node:fs';

export type DebianRelease = 12 | 13 | null;

/** 12 (bookworm), 13 (trixie; also testing/sid, which report a codename), or null. */
export function debianRelease(versionFile = '/etc/debian_version'): DebianRelease {
  let text: string;
  try {
    text = readFileSync(versionFile, 'utf8').trim();
  } catch {
    return null;
  }
  const major = Number.parseInt(text, 10);
  if (major === 12) return 12;
  if (major === 13 || /trixie|sid/.test(text)) return 13;
  return null;
}

export interface PackageChoice {
  /** Debian 12 (bookworm) packages. */
  bookworm: readonly string[];
  /** Debian 13 (trixie) packages. */
  trixie: readonly string[];
}

/** "apt-get install …" for this release; both variants when they differ and the release is unknown. */
export function aptInstall(packages: PackageChoice, release: DebianRelease = debianRelease()): string {
  const command = (names: readonly string[]) => `apt-get install ${names.join(' ')}`;
  const same = packages.bookworm.join(' ') === packages.trixie.join(' ');
  if (same) return `${command(packages.bookworm)} (the same on Debian 12 and 13)`;
  if (release === 12) return `${command(packages.bookworm)} (Debian 12)`;
  if (release === 13) return `${command(packages.trixie)} (Debian 13)`;
  return `${command(packages.bookworm)} on Debian 12, ${command(packages.trixie)} on Debian 13`;
}
