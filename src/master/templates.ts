// Template runners (fork servers of isolation: process functions) and the
// children each has vouched for. A child's connection was made by its
// template before the fork, so SO_PEERCRED names the template, not the child:
// a child's HELLO is admitted only if that template was authorized for the
// same function and announced the child's pid in FORKED. The two arrive on
// different connections, in either order; a HELLO that comes first waits.

export interface TemplateLink {
  readonly pid: number;
  readonly function: string;
  /** Sends FORK with this request id. */
  fork(request: number): void;
}

interface WaitingHello { admit: () => void; refuse: (why: string) => void; timer: NodeJS.Timeout; }

interface Template {
  link: TemplateLink;
  /** children announced (FORKED) that have not yet said HELLO */
  announced: Set<number>;
  waiting: Map<number, WaitingHello>;
}

export class Templates {
  private readonly byPid = new Map<number, Template>();
  private readonly byFunction = new Map<string, Template>();

  constructor(private readonly helloTimeoutMs: number) {}

  add(link: TemplateLink): void {
    const template = { link, announced: new Set<number>(), waiting: new Map() };
    this.byPid.set(link.pid, template);
    this.byFunction.set(link.function, template);
  }

  /** Its connection closed: children not yet admitted never will be. */
  remove(pid: number): void {
    const template = this.byPid.get(pid);
    if (!template) return;
    this.byPid.delete(pid);
    if (this.byFunction.get(template.link.function) === template) this.byFunction.delete(template.link.function);
    for (const waiting of template.waiting.values()) this.settle(waiting, () => waiting.refuse(`its template ${pid} is gone`));
  }

  /** Asks fn's template for a child; false when fn has no template connected. */
  fork(fn: string, request: number): boolean {
    const template = this.byFunction.get(fn);
    template?.link.fork(request);
    return template !== undefined;
  }

  /** FORKED from template `pid`: child may now say HELLO, once. */
  announce(pid: number, child: number): void {
    const template = this.byPid.get(pid);
    if (!template || child === 0) return;
    const waiting = template.waiting.get(child);
    if (!waiting) return void template.announced.add(child);
    template.waiting.delete(child);
    this.settle(waiting, waiting.admit);
  }

  /** CHILD_EXIT: a child that never said HELLO must not be admitted later under a reused pid. */
  forget(pid: number, child: number): void {
    this.byPid.get(pid)?.announced.delete(child);
  }

  /** A HELLO for `fn` from `child` on a connection made by `peer`. */
  admit(peer: number, child: number, fn: string, admit: () => void, refuse: (why: string) => void): void {
    const template = this.byPid.get(peer);
    if (!template) return refuse(`pid ${peer} is neither the runner ${child} nor a template runner`);
    if (template.link.function !== fn) return refuse(`template ${peer} serves ${template.link.function}, not ${fn}`);
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
