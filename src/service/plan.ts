// What an install or uninstall does, as a list of steps decided before any
// is taken: `--dry-run` prints them, otherwise they are carried out in order
// and the first that fails stops the rest.

import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServiceCommandError } from '../errors.js';

export type Step =
  | { kind: 'write'; path: string; text: string; mode: number }
  | { kind: 'remove'; path: string }
  /** mayFail: a step that may find nothing to do (stopping a job that is not loaded) */
  | { kind: 'run'; argv: string[]; hint?: string; mayFail?: boolean };

export interface Plan {
  steps: Step[];
  /** What to tell the user once it is done (or, with --dry-run, after the steps). */
  notes: string[];
}

/** A shell word for printing: quoted only when it has to be. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The plan as --dry-run prints it: each file whole, each command as a shell would take it. */
export function describePlan(plan: Plan): string {
  const lines = plan.steps.map((step) => {
    switch (step.kind) {
      case 'write': return `# write ${step.path} (mode ${step.mode.toString(8).padStart(4, '0')}):\n${step.text.replace(/\n?$/, '\n')}# end of ${step.path}`;
      case 'remove': return `rm -f ${shellWord(step.path)}`;
      case 'run': return step.argv.map(shellWord).join(' ') + (step.mayFail ? ' || true' : '');
    }
  });
  return [...lines, ...plan.notes.map((n) => `# ${n}`)].join('\n') + '\n';
}

function runCommand(argv: string[], hint?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const output = `${stderr}${stdout}`.trim() || error.message;
      const suffix = hint ? ` (${hint})` : '';
      reject(new ServiceCommandError(`\`${argv.map(shellWord).join(' ')}\` failed: ${output.split('\n').join(' / ')}${suffix}`, { cause: error }));
    });
  });
}

async function take(step: Step): Promise<void> {
  switch (step.kind) {
    case 'write':
      await mkdir(dirname(step.path), { recursive: true });
      await writeFile(step.path, step.text);
      await chmod(step.path, step.mode); // writeFile's mode is only for a new file
      return;
    case 'remove':
      await rm(step.path, { force: true });
      return;
    case 'run':
      await runCommand(step.argv, step.hint).catch((e: unknown) => { if (!step.mayFail) throw e; });
  }
}

/** Takes each step in order; `progress` hears each one before it is taken. */
export async function carryOut(plan: Plan, progress: (line: string) => void): Promise<void> {
  for (const step of plan.steps) {
    progress(step.kind === 'write' ? `writing ${step.path}` : describePlan({ steps: [step], notes: [] }).trimEnd());
    await take(step);
  }
}
