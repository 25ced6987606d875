// The HTTP benchmark's per-request baselines (bench/per-request.ts) answer
// the same bytes as the function they are compared with: a real request to
// each real server (bench/http-server.ts: Embly's daemon serving
// bench/functions/stamp.wat, Node + a WebAssembly instance per request, Node +
// a process of bench/cgi/stamp.c per request), clock values and Date aside.
import test from 'ava';
import { connect } from 'node:net';
import { masked } from '../../bench/http-common.js';
import { ServerProcess } from '../../bench/server-process.js';
import { tempDir } from '../daemon/helpers.js';

/** One GET on a fresh connection; the whole response as it came off the wire. */
function rawGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    let bytes = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      const end = bytes.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(bytes.subarray(0, end).toString('latin1'))?.[1]);
      if (end >= 0 && bytes.length >= end + 4 + length) {
        socket.destroy();
        resolve(bytes.toString('latin1'));
      }
    });
  });
}

test('the V8-instance-per-request and process-per-request baselines answer the bytes the function answers', async (t) => {
  const work = await tempDir(t, 'embly-bench-baselines-');
  const servers = await Promise.all([
    ServerProcess.start('embly', ['embly'], work, []),
    ServerProcess.start('v8', ['v8'], work, []),
    ServerProcess.start('cgi', ['cgi'], work, []),
  ]);
  t.teardown(() => Promise.all(servers.map((s) => s.stop())));
  const [embly, v8, cgi] = servers as [ServerProcess, ServerProcess, ServerProcess];
  const fromFunction = await rawGet(embly.ports.stamp!);
  t.regex(fromFunction, /^HTTP\/1\.1 200 OK\r\n[^]*X-Start-Ns: \d{20}\r\n[^]*\r\n\r\nHello from Embly bench!\n$/);
  for (const [name, port] of [['v8', v8.ports.v8!], ['cgi', cgi.ports.cgi!]] as const) {
    const answer = await rawGet(port);
    t.is(masked(answer), masked(fromFunction), `${name} answers other bytes than the function`);
    // each request ran the program afresh: it read the clock again
    const started = (response: string) => BigInt(/X-Start-Ns: (\d{20})/.exec(response)![1]!);
    t.true(started(await rawGet(port)) > started(answer), `${name} did not run again for a second request`);
  }
});
