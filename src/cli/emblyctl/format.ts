// How emblyctl writes for people: aligned tables, relative times, sizes,
// and colour only on a terminal (never with NO_COLOR set, https://no-color.org).

export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green';

const SGR: Record<Style, string> = { bold: '1', dim: '2', red: '31', yellow: '33', green: '32' };

/** Whether to colour what goes to `stream`. */
export function wantsColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export type Paint = (text: string, style: Style | undefined) => string;

export function painter(colour: boolean): Paint {
  return (text, style) => (colour && style ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text);
}

/** A cell: its text, and a style applied after padding (escape codes do not count as width). */
export type Cell = string | { text: string; style?: Style };

export interface Column { title: string; align?: 'left' | 'right'; }

/** Columns padded to their widest cell, two spaces apart; titles bold. */
export function table(columns: Column[], rows: Cell[][], paint: Paint): string {
  const text = (c: Cell) => (typeof c === 'string' ? c : c.text);
  const widths = columns.map((col, i) => Math.max(col.title.length, ...rows.map((r) => text(r[i] ?? '').length)));
  const line = (cells: Cell[], header: boolean) => cells.map((cell, i) => {
    const value = text(cell);
    const padded = columns[i]!.align === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!);
    const style = header ? 'bold' : typeof cell === 'string' ? undefined : cell.style;
    return paint(i === cells.length - 1 && columns[i]!.align !== 'right' ? padded.trimEnd() : padded, style);
  }).join('  ');
  return [line(columns.map((c) => c.title), true), ...rows.map((r) => line(r, false))].join('\n');
}

/** "4.2s", "45s", "3m 5s", "2h 5m", "3d 4h": the two largest units. */
export function duration(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  const s = Math.floor(seconds);
  const units: [string, number][] = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}

export const ago = (seconds: number) => `${duration(seconds)} ago`;

/** "512 B", "64 KiB", "1.2 MiB", "3.8 GiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 || value >= 100 || Number.isInteger(value) ? `${Math.round(value)} ${units[unit]}` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A latency: "42 µs", "1.3 ms", "0.25 s"; "-" when there is none. */
export function latency(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 1e-3) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(seconds < 10e-3 ? 1 : 0)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** A count, styled when it is not zero (errors red, say). */
export function count(n: number | null, style?: Style): Cell {
  if (n === null) return '-';
  return n > 0 && style ? { text: String(n), style } : String(n);
}

const two = (n: number) => String(n).padStart(2, '0');

/** "2025-12-02 01:31:54", local time. */
export function localTime(iso: string): string {
  const t = new Date(iso);
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${clock(iso, false)}`;
}

/** "01:31:54.512", local time (without milliseconds: "01:31:54"). */
export function clock(iso: string, milliseconds = true): string {
  const t = new Date(iso);
  const time = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  return milliseconds ? `${time}.${String(t.getMilliseconds()).padStart(3, '0')}` : time;
}
