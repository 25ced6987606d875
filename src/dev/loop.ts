// `embly dev`'s loop: a change to the project file or a function's sources
// rebuilds and swaps in what changed through Daemon.reload(), the service's
// reload path (no request dropped; a failed build leaves the old version
// serving). One line per rebuild on stdout, with how long it took.
import type { Daemon } from '../daemon/daemon.js';
import { describeReload } from '../daemon/reload-plan.js';
import type { Logger } from '../log.js';
import { loadProject, type Project } from '../project/index.js';
import { SourceWatcher, watchTargets } from './watch.js';

export interface DevLoopOptions {
  daemon: Daemon;
  project: Project;
  log: Logger;
  /** where each rebuild's line goes */
  write(line: string): void;
  debounceMs?: number;
}

export class DevLoop {
  private readonly watcher: SourceWatcher;
  private running: Promise<void> | undefined;
  /** a change came while a rebuild ran: one more rebuild follows it */
  private pending = false;
  private stopped = false;

  constructor(private readonly options: DevLoopOptions) {
    this.watcher = new SourceWatcher(() => this.changed(), options.debounceMs, (dir, e) => options.log.warn(`cannot watch ${dir}: ${e.message}`));
  }

  async start(): Promise<void> {
    this.watcher.watch(await watchTargets(this.options.project));
  }

  stop(): void {
    this.stopped = true;
    this.watcher.close();
  }

  private changed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = this.rebuild().finally(() => {
      this.running = undefined;
      if (this.pending) {
        this.pending = false;
        this.changed();
      }
    });
  }

  private async rebuild(): Promise<void> {
    const { daemon, write } = this.options;
    const started = process.hrtime.bigint();
    const took = () => formatDuration(Number(process.hrtime.bigint() - started) / 1e6);
    try {
      const summary = await daemon.reload();
      write(`${clock()} rebuilt in ${took()}: ${describeReload(summary).replace(/^reloaded: /, '')}`);
    } catch (e) {
      // The message holds the compiler's own output (ReloadFailedError); its preamble says what this line does.
      const message = (e as Error).message.replace(/^reload failed, the previous version goes on serving: /, '');
      write(`${clock()} rebuild failed after ${took()}; the previous version serves on:\n${message}`);
    }
    await this.rewatch();
  }

  /** The project file may have added, moved or removed functions. */
  private async rewatch(): Promise<void> {
    const project = await loadProject(this.options.project.root).catch(() => undefined); // a broken file: the failed rebuild said so
    if (project && !this.stopped) this.watcher.watch(await watchTargets(project));
  }
}

/** 412 ms, 1.3 s */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The wall-clock time, HH:MM:SS, for a line that says when something happened. */
function clock(now = new Date()): string {
  return `[${now.toTimeString().slice(0, 8)}]`;
}
