// A client that speaks HTTP/1.1 on one TCP connection by hand, for what
// node:http hides: which connection a request travels on, a request body
// kept open for as long as the test wants, and when the server closes.
import { connect, createServer, type Socket } from 'node:net';

export interface RawResponse { status: number; headers: Record<string, string>; body: string; }

export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  /** Resolves once the server has closed the connection (or it broke). */
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (bytes: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, bytes]);
      this.waiting?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.isClosed = true;
      this.waiting?.();
      resolve();
    }));
  }

  /** Connects to 127.0.0.1:port; rejects with the socket's error (ECONNREFUSED). */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => { socket.off('error', reject); resolve(new RawClient(socket)); });
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return !this.isClosed;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Starts a POST whose chunked body stays open until finishBody(). */
  startPost(path = '/'): void {
    this.write(`POST ${path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n`);
  }

  finishBody(): void {
    this.write('0\r\n\r\n');
  }

  get(path = '/'): void {
    this.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  }

  /** The next complete response (its body framed by Content-Length); rejects
   * if the connection closes first. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.isClosed) throw new Error(`the connection closed before a complete response (had: ${JSON.stringify(this.buffered.toString('latin1'))})`);
      await new Promise<void>((resolve) => { this.waiting = resolve; });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): RawResponse | undefined {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffered.length < end + 4 + length) return undefined;
    const body = this.buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers, body };
  }
}

/** A TCP port nobody listens on now: the kernel's pick for port 0, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a connection to 127.0.0.1:port is refused (nothing listens there). */
export async function refused(port: number): Promise<boolean> {
  try {
    (await RawClient.connect(port)).destroy();
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}
