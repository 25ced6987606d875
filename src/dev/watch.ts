// What `embly dev` watches: the project file and every function's sources
// (docs/dev.md). Directories are watched rather than files: an editor that
// saves by writing a new file and renaming it over the old one replaces the
// inode a file watch holds, and the watch would go deaf after the first save.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';
import type { Language, Project } from '../project/index.js';

/** Never sources: build output, dependencies, VCS (as sources.ts skips them). */
const SKIPPED_DIRS = new Set(['node_modules', 'target', '.embly', '.git', 'dist', 'build']);

/** What a source of each language is called (a log written next to the project is not one). */
const SOURCE_NAMES: Record<Language, RegExp> = {
  rust: /(\.rs|^Cargo\.(toml|lock))$/,
  c: /\.(c|h)$/,
  assemblyscript: /(\.ts|^package\.json|^asconfig\.json)$/,
  wat: /\.wat$/,
  wasm: /\.wasm$/,
};

/** One directory to watch, and which of its (relative) paths count as a change. */
export interface WatchTarget { dir: string; recursive: boolean; accepts(relative: string): boolean; }

/** An editor's or a build's by-product, never a source: dot files (swap
 * files, .embly/), backups ending in ~, and anything under an output directory. */
export function isByProduct(relative: string): boolean {
  const parts = relative.split(sep);
  return parts.some((part) => part.startsWith('.') || SKIPPED_DIRS.has(part)) || relative.endsWith('~');
}

/** The directories of a project to watch: the project file's (for itself), and
 * each function's source directory, or the directory of its source file. */
export async function watchTargets(project: Project): Promise<WatchTarget[]> {
  const projectFile = basename(project.file);
  const targets: WatchTarget[] = [{ dir: dirname(project.file), recursive: false, accepts: (name) => name === projectFile }];
  for (const fn of project.functions) {
    const isDir = await stat(fn.path).then((s) => s.isDirectory(), () => false);
    // A source file's siblings count too: a C function's headers, say.
    const names = SOURCE_NAMES[fn.language];
    targets.push({ dir: isDir ? fn.path : dirname(fn.path), recursive: isDir, accepts: (name) => !isByProduct(name) && names.test(basename(name)) });
  }
  return targets;
}

/** Calls `onChange` once changes have settled for `debounceMs`. */
export class SourceWatcher {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void, private readonly debounceMs = 100, private readonly onWatchError: (dir: string, e: Error) => void = () => {}) {}

  /** Watches `targets` from now on, instead of what it watched before. */
  watch(targets: readonly WatchTarget[]): void {
    this.closeWatchers();
    for (const target of targets) {
      try {
        const watcher = watch(target.dir, { recursive: target.recursive, persistent: false }, (_event, name) => {
          if (name === null || target.accepts(name.toString())) this.changed();
        });
        watcher.on('error', (e) => this.onWatchError(target.dir, e));
        this.watchers.push(watcher);
      } catch (e) {
        this.onWatchError(target.dir, e as Error); // a source directory that is gone: the build says so
      }
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.closeWatchers();
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onChange, this.debounceMs);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
