// HELLO admission: a connection becomes a runner or a template runner of a
// function only if it speaks our protocol version, names a function of the
// project, and is vouched for: by the supervisor, which knows the pids it
// started, or, for a template's child, by its template (templates.ts).
import { FrameError } from '../errors.js';
import type { Socket } from 'node:net';
import type { RunnerConnection } from './connection.js';
import { FrameKind, PROTOCOL_VERSION, type Frame } from './frames.js';
import { socketPeer } from './peer.js';
import type { Templates } from './templates.js';

/** Who may say HELLO (or, `template`, TEMPLATE_HELLO): the supervisor knows
 * the pids it started. A template's children are admitted by their template instead. */
export type RunnerAuthorizer = (socket: Socket, hello: { pid: number; function: string; template: boolean }) => boolean;

export interface AdmissionOptions {
  knows(fn: string): boolean;
  authorize: RunnerAuthorizer;
  /** The pid that connected a socket (default: SO_PEERCRED); differs from
   * the HELLO's pid only for a template's children. */
  peerPid?: (socket: Socket) => number | undefined;
  /** The generation of a runner or template the supervisor started (a template's children have their template's). */
  generationOf(pid: number): number;
  templates: Templates;
  /** the connection is a runner (pid, fn set) */
  runner(connection: RunnerConnection): void;
  /** the connection is a template runner (pid, fn, template set) */
  template(connection: RunnerConnection): void;
  refuse(connection: RunnerConnection, why: string): void;
}

export class Admission {
  private readonly peerPid: (socket: Socket) => number | undefined;

  constructor(private readonly options: AdmissionOptions) {
    this.peerPid = options.peerPid ?? ((socket) => socketPeer(socket)?.pid);
  }

  /** The first frame of a connection. Throws (dropping it) when it is refused at once. */
  hello(connection: RunnerConnection, frame: Frame): void {
    if (frame.kind !== FrameKind.Hello && frame.kind !== FrameKind.TemplateHello) throw new FrameError(`expected HELLO, got ${FrameKind[frame.kind]}`);
    if (frame.version !== PROTOCOL_VERSION) throw new FrameError(`protocol version ${frame.version} is not ${PROTOCOL_VERSION}`);
    if (!this.options.knows(frame.function)) throw new FrameError(`HELLO for unknown function "${frame.function}"`);
    const template = frame.kind === FrameKind.TemplateHello;
    const peer = this.peerPid(connection.socket);
    if (!template && peer !== undefined && peer !== frame.pid) {
      // A template's child: its template vouches for it, not the supervisor.
      const admit = () => {
        if (!connection.socket.destroyed) this.admit(connection, frame.pid, frame.function, false, this.options.templates.generationOf(peer));
      };
      return this.options.templates.admit(peer, frame.pid, frame.function, admit, (why) => this.options.refuse(connection, why));
    }
    if (!this.options.authorize(connection.socket, { pid: frame.pid, function: frame.function, template }))
      throw new FrameError(`pid ${frame.pid} is not a ${template ? 'template runner' : 'runner'} we started`);
    this.admit(connection, frame.pid, frame.function, template, this.options.generationOf(frame.pid));
  }

  private admit(connection: RunnerConnection, pid: number, fn: string, template: boolean, generation: number): void {
    connection.function = fn;
    connection.pid = pid;
    connection.template = template;
    connection.generation = generation;
    if (template) this.options.template(connection);
    else this.options.runner(connection);
  }
}
