// Script commands that do not run the ordinary way, each with its reason.
// The test counts them and prints them with the totals; an entry that no
// longer matches a command of the suite fails the test, so the list cannot
// go stale.
import type { CommandType } from './wast.js';

export interface Exclusion {
  file: string;
  line: number;
  type: CommandType;
  reason: string;
  /**
   * link-only: the module is not built; its imports are decoded from the
   *   binary and the driver checks that they cannot be linked (the one thing
   *   the assertion asks), without an object.
   */
  instead: 'link-only';
}

export const EXCLUSIONS: readonly Exclusion[] = [
  {
    file: 'imports.wast',
    line: 672,
    type: 'assert_unlinkable',
    reason: 'imports "not wasm" "overloaded" sixteen times with different types; the pinned wasm2c 1.0.39 ' +
      'refuses to translate duplicate import names, so no object can exist for it',
    instead: 'link-only',
  },
];

export function exclusionFor(file: string, line: number): Exclusion | undefined {
  return EXCLUSIONS.find((e) => e.file === file && e.line === line);
}
