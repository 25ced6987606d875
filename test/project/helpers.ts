// Shared by the project-file tests: build YAML line by line (so line numbers
// in expected messages are easy to check) and capture the thrown message.
import type { ExecutionContext } from 'ava';
import { parseProject, ProjectFileError } from '../../src/project/index.js';

export const FILE = 'embly-project.yml';

export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A valid function item, for files whose problem lies elsewhere. */
export const HELLO = ['  - name: hello', '    path: ./hello.wat', '    language: wat'];

/** The ProjectFileError parseProject throws for `text`. */
export function parseError(t: ExecutionContext, text: string): ProjectFileError {
  const error = t.throws(() => parseProject(text, FILE), { instanceOf: ProjectFileError });
  if (error === undefined) throw new Error('parseProject did not throw');
  return error;
}

/** Asserts the exact message parseProject produces for `text`. */
export function assertMessage(t: ExecutionContext, text: string, ...expected: string[]): void {
  t.is(parseError(t, text).message, expected.join('\n'));
}
