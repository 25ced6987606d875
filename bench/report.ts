// What bench/roundtrip.ts, idle.ts, build.ts and soak.ts share: the options every
// one takes (--quick, --runs K, --json FILE), a plain-text table, and the --json file.
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BenchError } from './cli.js';
import type { BenchDistribution, BenchFigure } from './figures.js';
import { machine } from './proc.js';

export interface CommonOptions { quick: boolean; runs: number; json: string | undefined }

/** Parses argv with the common options and the driver's own; `runs` defaults to quickRuns/fullRuns. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], own: O, quickRuns: number, fullRuns: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...own, quick: { type: 'boolean', default: false }, runs: { type: 'string' }, json: { type: 'string' } }, strict: true });
  } catch (e) {
    throw new BenchError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const quick = values.quick === true;
  const runs = wholeNumber(values.runs as string | undefined, '--runs', quick ? quickRuns : fullRuns);
  return { common: { quick, runs, json: values.json as string | undefined } as CommonOptions, values };
}

/** A whole number option of at least 1, or `fallback` when absent. */
export function wholeNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new BenchError(`${name} takes a whole number of at least 1, not ${JSON.stringify(text)}`);
  return n;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Writes the --json file, if one was asked for. */
export function writeJson(options: CommonOptions, bench: string, figures: BenchFigure[], distributions?: BenchDistribution[]): void {
  if (!options.json) return;
  writeFileSync(options.json, JSON.stringify({ bench, date: new Date().toISOString(), machine: machine(), figures, distributions }, null, 1));
}

/** The command that reruns this driver as it was run (without --json). */
export function rerunCommand(script: string, options: CommonOptions, extra: string[] = []): string {
  return ['node', `dist/bench/${script}.js`, ...(options.quick ? ['--quick'] : []), '--runs', String(options.runs), ...extra].join(' ');
}
