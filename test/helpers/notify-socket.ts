// A stand-in for a service manager's notification socket ($NOTIFY_SOCKET):
// a real Unix datagram socket, bound by python3 (Node's dgram has no Unix
// datagrams), that reports each datagram as systemd receives it: whole, with
// the sender's pid from the kernel (SCM_CREDENTIALS, as systemd's
// NotifyAccess= checks it) and the CLOCK_MONOTONIC time it arrived.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from './wait.js';

const RECEIVER = `
import json, socket, struct, sys, time
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\\0" + address[1:] if address.startswith("@") else address)
print(json.dumps({"bound": True}), flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, value in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", value[:12])[0]
    received = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    print(json.dumps({"message": data.decode(), "pid": pid, "receivedUsec": received}), flush=True)
`;

export interface Notification {
  /** the datagram, e.g. "READY=1\nSTATUS=serving ..." */
  message: string;
  /** the sender's pid, from the kernel */
  pid: number;
  /** CLOCK_MONOTONIC when it arrived, in microseconds */
  receivedUsec: number;
}

export interface NotifySocket {
  /** what NOTIFY_SOCKET is set to */
  address: string;
  /** every datagram so far, in the order received */
  received: Notification[];
  /** those that are not WATCHDOG=1 */
  lifecycle(): Notification[];
  /** resolves with the first datagram that `matches` (waiting up to `timeoutMs`) */
  next(matches: (n: Notification) => boolean, what: string, timeoutMs?: number): Promise<Notification>;
}

/** Binds `address` (a path, or `@name` for the abstract namespace) until the test ends. */
export async function notifySocket(t: ExecutionContext, address: string): Promise<NotifySocket> {
  const python = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { python.kill('SIGKILL'); });
  let stderr = '';
  python.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const received: Notification[] = [];
  const bound = new Promise<void>((resolve, reject) => {
    python.once('error', (e) => reject(new Error(`the stand-in notification socket needs python3 (scripts/setup.sh --test): ${e.message}`)));
    python.once('exit', (code) => reject(new Error(`python3 exited ${code} before binding ${address}: ${stderr}`)));
    createInterface({ input: python.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Notification | { bound: true };
      if ('bound' in parsed) resolve();
      else received.push(parsed);
    });
  });
  await bound;
  return {
    address,
    received,
    lifecycle: () => received.filter((n) => n.message !== 'WATCHDOG=1'),
    async next(matches, what, timeoutMs = 60_000) {
      await waitFor(() => received.some(matches), { timeoutMs, what: () => `${what}; received: ${JSON.stringify(received.map((n) => n.message))}` });
      return received.find(matches)!;
    },
  };
}
