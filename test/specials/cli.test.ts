// `embly run` as an operator starts it: outbound TLS trusts the system's CA
// store, and NODE_EXTRA_CA_CERTS in the daemon's environment adds to it.
import test from 'ava';
import { join } from 'node:path';
import { projectDir, startEmbly } from '../cli/helpers.js';
import { tempDir } from '../daemon/helpers.js';
import { absoluteRequest, rawRequest } from './client.js';
import { RELAY_C } from './functions.js';
import { makeTestCa, routes, startOrigin } from './origins.js';
import { freePort } from '../helpers/ports.js';

test('embly run trusts the system store, plus NODE_EXTRA_CA_CERTS', async (t) => {
  const ca = await makeTestCa(t);
  const secure = await startOrigin(t, routes, ca);
  const port = await freePort();
  const dir = await projectDir({
    'relay.c': RELAY_C,
    'embly-project.yml': `functions:\n  - name: relay\n    path: ./relay.c\n    language: c\n    allowed_outbound_hosts: ["${secure.origin}"]\n` +
      `gateways:\n  - { name: web, type: http, port: ${port}, function: relay }\n`,
  });
  const sockets = await tempDir(t, 'embly-cli-socket-');
  const serve = async (name: string, env: NodeJS.ProcessEnv) => {
    const run = startEmbly(['run', dir, '--host', '127.0.0.1', '--metrics', 'off', '--runners', '1', '--socket', join(sockets, `${name}.sock`)], 'embly: serving', 120_000, env);
    t.teardown(() => { run.child.kill('SIGKILL'); });
    await run.started;
    const response = await rawRequest(port, absoluteRequest('GET', `${secure.origin}/hello`));
    run.child.kill('SIGTERM');
    const { stderr } = await run.exited;
    return { response, stderr };
  };
  // SSL_CERT_FILE unset: the bundle is found where Debian keeps it.
  const trusted = await serve('trusted', { SSL_CERT_FILE: '', NODE_EXTRA_CA_CERTS: ca.caFile });
  t.is(trusted.response.status, 200, trusted.stderr);
  t.is(trusted.response.body.toString(), 'hello from the origin\n');
  t.regex(trusted.stderr, new RegExp(`^info outbound: outbound TLS trusts the certificates of /etc/ssl/certs/ca-certificates\\.crt and ${ca.caFile.replace(/[.]/g, '\\.')} \\(NODE_EXTRA_CA_CERTS\\)$`, 'm'));
  const system = await serve('system', { SSL_CERT_FILE: '', NODE_EXTRA_CA_CERTS: '' });
  t.is(system.response.status, 502, system.stderr);
  t.regex(system.response.body.toString(), /TLS with 127\.0\.0\.1:\d+ failed/);
  t.regex(system.stderr, /^info outbound: outbound TLS trusts the certificates of \/etc\/ssl\/certs\/ca-certificates\.crt$/m);
  t.regex(system.stderr, /^warn outbound: \[relay [0-9a-f]{16}\] GET https:\/\/127\.0\.0\.1:\d+\/hello -> 502: TLS with/m);
});
