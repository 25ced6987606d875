// Build progress: one live line per function on a terminal, plain lines
// otherwise (CI logs, pipes), so both read well.

import type { BuildStep, ProgressListener } from './project-build.js';

interface Row { step: BuildStep; detail?: string; started: number; }

const LABELS: Record<BuildStep, string> = {
  checking: 'checking', compiling: 'compiling', translating: 'translating', done: 'built', failed: 'FAILED',
};

function describe(name: string, row: Row): string {
  const seconds = ((Date.now() - row.started) / 1000).toFixed(1);
  const detail = row.step === 'failed' ? '' : row.detail ? ` (${row.detail})` : '';
  const time = row.step === 'done' ? ` in ${seconds}s` : '';
  return `${name}: ${LABELS[row.step]}${detail}${time}`;
}

export function progressReporter(stream: NodeJS.WriteStream, names: string[]): ProgressListener {
  const rows = new Map<string, Row>();
  if (!stream.isTTY) {
    return (name, step, detail) => {
      const row = rows.get(name) ?? { step, started: Date.now() };
      Object.assign(row, { step, detail });
      rows.set(name, row);
      if (step !== 'checking') stream.write(`${describe(name, row)}\n`);
    };
  }
  let drawn = 0;
  const width = Math.max(...names.map((n) => n.length));
  const redraw = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A`);
    for (const name of names) {
      const row = rows.get(name);
      stream.write(`\x1b[2K${row ? describe(name.padEnd(width), row) : `${name.padEnd(width)}: waiting`}\n`);
    }
    drawn = names.length;
  };
  return (name, step, detail) => {
    const row = rows.get(name) ?? { step, started: Date.now() };
    Object.assign(row, { step, detail });
    rows.set(name, row);
    redraw();
  };
}
