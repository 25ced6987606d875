// A function's initial linear memory must fit its `memory` limit (the
// project file): the runner refuses to start an instance whose module asks
// for more at start, so such a function would build, load and then fail on
// every request. It is refused at build time instead, naming both sizes.

import { MemoryLimitError } from '../errors.js';

const PAGE_BYTES = 65536;

/** "16 MiB (256 pages)". */
function describePages(pages: number): string {
  const mib = (pages * PAGE_BYTES) / (1 << 20);
  const size = Number.isInteger(mib) ? `${mib} MiB` : `${(pages * PAGE_BYTES) / 1024} KiB`;
  return `${size} (${pages} page${pages === 1 ? '' : 's'})`;
}

/** Throws when the module's memory starts (`minPages`, null without one) larger than `limitPages`. */
export function checkMemoryLimit(minPages: number | null, limitPages: number): void {
  if (minPages === null || minPages <= limitPages) return;
  throw new MemoryLimitError(`its module starts with ${describePages(minPages)} of memory, more than its memory limit of ` +
    `${describePages(limitPages)}: raise \`memory:\` in the project file, or make the module start smaller`);
}
