// The service files (systemd/embly.service, launchd/com.embly.embly.plist)
// are templates: @NAME@ stands for a value of this machine, already escaped
// for the file's syntax by the caller (systemdPath, xmlText). A line that
// holds nothing but a placeholder whose value is null is left out: a setting
// this install does not need.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';

export type TemplateValues = Record<string, string | null>;

const PLACEHOLDER = /@([A-Z_]+)@/g;

/** The template's text with every placeholder filled; one it has no value for is a bug. */
export function fillTemplate(text: string, values: TemplateValues): string {
  const lines = text.split('\n').filter((line) => {
    const alone = /^\s*@([A-Z_]+)@\s*$/.exec(line);
    return !alone || values[alone[1]!] !== null;
  });
  return lines.join('\n').replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) throw new InternalError(`the service template has @${name}@, which the installer does not fill`);
    return value;
  });
}

/** The text between the `# BEGIN name` and `# END name` lines, markers included, left out. */
export function withoutBlock(text: string, name: string): string {
  const block = new RegExp(`^# BEGIN ${name}\\b[^]*?^# END ${name}\\n`, 'm');
  if (!block.test(text)) throw new InternalError(`the service template has no ${name} block`);
  return text.replace(block, '');
}

/** A template shipped with Embly: `systemd/embly.service`, say. */
export function readTemplate(path: string): Promise<string> {
  return readFile(join(packageRoot, path), 'utf8');
}

/** Characters a path may not have to be written into a unit: systemd would
 * read them as quoting, escapes or (in BindReadOnlyPaths=) a separator. */
const UNIT_UNSAFE = /["\\\n:]/;

/**
 * A path as one word of a systemd setting, read back as systemd.syntax(7)
 * says: `%` starts a specifier, so it is doubled, and so is `$` on Exec
 * lines, where it starts a variable; a path with a space is quoted.
 */
export function systemdPath(path: string, where: 'exec' | 'setting'): string {
  if (UNIT_UNSAFE.test(path)) throw new UsageError(`cannot write ${JSON.stringify(path)} into a systemd unit: move it to a path without quotes, backslashes or colons`);
  let word = path.replace(/%/g, '%%');
  if (where === 'exec') word = word.replace(/\$/g, '$$$$');
  return /\s/.test(word) ? `"${word}"` : word;
}

/** Free text in a systemd setting (Description=, a URL): `%` doubled, as it starts a specifier. */
export function systemdText(text: string): string {
  return text.replace(/%/g, '%%');
}

/** Text inside an XML element: the three characters XML reserves there. */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
