// The outbound example (examples/outbound) on a real daemon: it calls two
// other gateways of its project through embly/http, over loopback listed in
// its allowed_outbound_hosts, and combines their answers. The project is the
// example's, written out with the ports this test's gateways got.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { startDaemon, tempDir } from '../daemon/helpers.js';
import { freePort } from '../helpers/ports.js';

test('the outbound example calls its project\'s own gateways through embly/http', async (t) => {
  const examples = join(packageRoot, 'examples');
  const [c, as] = [await freePort(), await freePort()];
  const dir = await tempDir(t, 'embly-outbound-example-');
  await writeFile(join(dir, 'embly-project.yml'), `functions:
  - name: outbound
    path: ${join(examples, 'outbound')}
    language: rust
    env:
      OUTBOUND_URLS: "http://127.0.0.1:${c}/,http://127.0.0.1:${as}/"
    allowed_outbound_hosts: ["http://127.0.0.1:${c}", "http://127.0.0.1:${as}"]
  - name: hello-c
    path: ${join(examples, 'hello-c', 'hello.c')}
    language: c
  - name: hello-as
    path: ${join(examples, 'hello-as', 'hello.ts')}
    language: assemblyscript
gateways:
  - { name: web-outbound, type: http, port: 18086, function: outbound }
  - { name: web-c, type: http, port: ${c}, function: hello-c }
  - { name: web-as, type: http, port: ${as}, function: hello-as }
`);
  const { url } = await startDaemon(t, dir, { portOverrides: new Map([['web-outbound', 0]]) });
  const response = await fetch(url('web-outbound'));
  t.is(response.status, 200);
  t.is(await response.text(),
    `http://127.0.0.1:${c}/ (200): Hello from C!\nhttp://127.0.0.1:${as}/ (200): Hello from AssemblyScript!\n`);
});
