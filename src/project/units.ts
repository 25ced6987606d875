// Memory sizes and durations as people write them, turned into the units the
// runtime uses (wasm pages, milliseconds). Pure: callers add the location.
import { MAX_MEMORY_PAGES, MAX_SIZE_BYTES, MAX_TIMEOUT_MS, WASM_PAGE_BYTES } from './schema.js';

export type Parsed<T> = { value: T } | { error: string; hint: string };

export const MEMORY_HINT =
  `use 1..${MAX_MEMORY_PAGES} wasm pages of 64 KiB, or a size from "64KiB" to "4GiB" such as "16MiB"`;
export const TIMEOUT_HINT =
  'use an integer of milliseconds, or a number with a unit: "250ms", "10s", "1m", "1h" (at most 24h)';

const BYTES_PER_UNIT: Record<string, number> = {
  b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i;
// KB/MB/GB are powers of 1000; guessing which one was meant would be wrong half the time.
const DECIMAL_UNITS: Record<string, string> = { kb: 'KiB', mb: 'MiB', gb: 'GiB' };

/** A page count (integer) or a size string ("16MiB", "512KiB"), rounded up to whole pages. */
export function parseMemory(raw: number | string): Parsed<number> {
  if (typeof raw === 'number') return checkPages(raw, String(raw));
  const shown = JSON.stringify(raw);
  const match = SIZE.exec(raw.trim());
  const unit = match?.[2].toLowerCase() ?? '';
  const bytesPerUnit = BYTES_PER_UNIT[unit];
  if (match === null || bytesPerUnit === undefined) {
    return { error: `memory ${shown} is not a valid size`, hint: sizeHint(raw, match, unit) };
  }
  const pages = Math.ceil((Number(match[1]) * bytesPerUnit) / WASM_PAGE_BYTES);
  return checkPages(pages, shown);
}

function sizeHint(raw: string, match: RegExpExecArray | null, unit: string): string {
  const binary = DECIMAL_UNITS[unit];
  if (match !== null && binary !== undefined) {
    return `sizes use binary units (powers of 1024): did you mean "${match[1]}${binary}"?`;
  }
  if (/^\d+$/.test(raw.trim())) return `a page count is written without quotes: memory: ${raw.trim()}`;
  return MEMORY_HINT;
}

function checkPages(pages: number, shown: string): Parsed<number> {
  if (!Number.isInteger(pages)) {
    return { error: `memory ${shown} is not a whole number of pages`, hint: MEMORY_HINT };
  }
  if (pages < 1 || pages > MAX_MEMORY_PAGES) {
    return { error: `memory ${shown} is out of range`, hint: MEMORY_HINT };
  }
  return { value: pages };
}

const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/** Milliseconds (integer) or a duration string ("250ms", "10s", "1m", "1h"), rounded up to whole ms. */
export function parseTimeout(raw: number | string, key = 'timeout'): Parsed<number> {
  if (typeof raw === 'number') return checkMs(raw, String(raw), key);
  const shown = JSON.stringify(raw);
  const match = DURATION.exec(raw.trim());
  if (match === null) {
    const hint = /^\d+$/.test(raw.trim())
      ? `milliseconds are written without quotes (${key}: ${raw.trim()}), or add a unit: "${raw.trim()}ms"`
      : TIMEOUT_HINT;
    return { error: `${key} ${shown} is not a valid duration`, hint };
  }
  return checkMs(Math.ceil(Number(match[1]) * MS_PER_UNIT[match[2]]), shown, key);
}

function checkMs(ms: number, shown: string, key: string): Parsed<number> {
  if (!Number.isInteger(ms)) {
    return { error: `${key} ${shown} is not a whole number of milliseconds`, hint: TIMEOUT_HINT };
  }
  if (ms < 1 || ms > MAX_TIMEOUT_MS) {
    return { error: `${key} ${shown} is out of range`, hint: TIMEOUT_HINT };
  }
  return { value: ms };
}

export const SIZE_HINT = `use an integer of bytes, or a size from "1KiB" to "${MAX_SIZE_BYTES / 1024 ** 3}GiB" such as "64MiB"`;

/** Bytes (integer) or a size string ("512KiB", "64MiB"), rounded up to whole bytes. */
export function parseSize(raw: number | string, key: string): Parsed<number> {
  if (typeof raw === 'number') return checkBytes(raw, String(raw), key);
  const shown = JSON.stringify(raw);
  const match = SIZE.exec(raw.trim());
  const unit = match?.[2].toLowerCase() ?? '';
  const bytesPerUnit = BYTES_PER_UNIT[unit];
  if (match === null || bytesPerUnit === undefined) {
    const binary = DECIMAL_UNITS[unit];
    const hint = match !== null && binary !== undefined ? `sizes use binary units (powers of 1024): did you mean "${match[1]}${binary}"?` : SIZE_HINT;
    return { error: `${key} ${shown} is not a valid size`, hint };
  }
  return checkBytes(Math.ceil(Number(match[1]) * bytesPerUnit), shown, key);
}

function checkBytes(bytes: number, shown: string, key: string): Parsed<number> {
  if (!Number.isInteger(bytes)) return { error: `${key} ${shown} is not a whole number of bytes`, hint: SIZE_HINT };
  if (bytes < 1 || bytes > MAX_SIZE_BYTES) return { error: `${key} ${shown} is out of range`, hint: SIZE_HINT };
  return { value: bytes };
}
