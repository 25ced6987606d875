// Template runners (each forks the fresh runners of an isolation: process function) and the
// children each has vouched for. A child's connection was made by its
// template before the fork, so SO_PEERCRED names the template, not the child:
// a child's HELLO is admitted only if that template was authorized for the
// same function and announced the child's pid in FORKED. The two arrive on
// different connections, in either order; a HELLO that comes first waits.
// A template's own frames (FORKED, CHILD_EXIT) are its pool's to hear
// (daemon/template-pool.ts), as the master's 'forked' and 'childExit' events.
import { FrameError } from '../errors.js';
import type { EventEmitter } from 'node:events';
import type { RunnerConnection } from './connection.js';
import type { MasterEvents } from './events.js';
import { FrameKind, type Frame } from './frames.js';

interface WaitingHello { admit: () => void; refuse: (why: string) => void; timer: NodeJS.Timeout; }

interface Template {
  connection: RunnerConnection;
  pid: number;
  function: string;
  /** children announced (FORKED) that have not yet said HELLO */
  announced: Set<number>;
  waiting: Map<number, WaitingHello>;
}

export class Templates {
  private readonly byPid = new Map<number, Template>();
  private readonly byFunction = new Map<string, Template>();

  constructor(private readonly helloTimeoutMs: number, private readonly events: EventEmitter<MasterEvents>) {}

  /** An admitted template runner (admission.ts). */
  add(connection: RunnerConnection): void {
    const pid = connection.pid!;
    const fn = connection.function!;
    const template: Template = { connection, pid, function: fn, announced: new Set<number>(), waiting: new Map() };
    this.byPid.set(pid, template);
    this.byFunction.set(fn, template);
    this.events.emit('template', { function: fn, pid, generation: connection.generation });
  }

  /** A frame from template `pid`. Throws (dropping it) on one a template does not send. */
  frame(pid: number, frame: Frame): void {
    const fn = this.byPid.get(pid)?.function;
    if (fn === undefined) return;
    if (frame.kind === FrameKind.Forked) {
      this.announce(pid, frame.pid);
      this.events.emit('forked', { function: fn, template: pid, request: frame.request, pid: frame.pid, errno: frame.errno });
    } else if (frame.kind === FrameKind.ChildExit) {
      this.byPid.get(pid)?.announced.delete(frame.pid); // a child that never said HELLO must not be admitted later under a reused pid
      this.events.emit('childExit', { function: fn, template: pid, report: frame });
    } else {
      throw new FrameError(`unexpected ${FrameKind[frame.kind]} frame from a template runner`);
    }
  }

  /** Its connection closed: children not yet admitted never will be. */
  remove(pid: number): void {
    const template = this.byPid.get(pid);
    if (!template) return;
    this.byPid.delete(pid);
    if (this.byFunction.get(template.function) === template) this.byFunction.delete(template.function);
    for (const waiting of template.waiting.values()) this.settle(waiting, () => waiting.refuse(`its template ${pid} is gone`));
  }

  /** Asks fn's template (the latest connected, or the one of pid `templatePid`:
   * during a reload a function has two) for a child; false when there is none. */
  fork(fn: string, request: number, templatePid?: number): boolean {
    const template = templatePid === undefined ? this.byFunction.get(fn) : this.byPid.get(templatePid);
    if (template?.function !== fn) return false;
    template.connection.send({ kind: FrameKind.Fork, request });
    return true;
  }

  /** The generation of template `pid`: its children belong to it too. */
  generationOf(pid: number): number {
    return this.byPid.get(pid)?.connection.generation ?? 0;
  }

  /** FORKED from template `pid`: child may now say HELLO, once. */
  private announce(pid: number, child: number): void {
    const template = this.byPid.get(pid);
    if (!template || child === 0) return;
    const waiting = template.waiting.get(child);
    if (!waiting) return void template.announced.add(child);
    template.waiting.delete(child);
    this.settle(waiting, waiting.admit);
  }

  /** A HELLO for `fn` from `child` on a connection made by `peer`. */
  admit(peer: number, child: number, fn: string, admit: () => void, refuse: (why: string) => void): void {
    const template = this.byPid.get(peer);
    if (!template) return refuse(`pid ${peer} is neither the runner ${child} nor a template runner`);
    if (template.function !== fn) return refuse(`template ${peer} serves ${template.function}, not ${fn}`);
    if (template.announced.delete(child)) return admit();
    if (template.waiting.has(child)) return refuse(`a second HELLO for child ${child}`);
    const timer = setTimeout(() => {
      template.waiting.delete(child);
      refuse(`template ${peer} never announced child ${child}`);
    }, this.helloTimeoutMs);
    template.waiting.set(child, { admit, refuse, timer });
  }

  private settle(waiting: WaitingHello, then: () => void): void {
    clearTimeout(waiting.timer);
    then();
  }
}
