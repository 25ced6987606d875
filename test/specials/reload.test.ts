// A reload changes a function's outbound permissions for its next calls.
import test from 'ava';
import { memoryLogger } from '../../src/log.js';
import { absoluteRequest, rawRequest } from './client.js';
import { outboundDaemon, RELAY_C, writeOutboundProject } from './functions.js';
import { routes, startOrigin } from './origins.js';

test('a reload that changes allowed_outbound_hosts applies to the next calls', async (t) => {
  const [first, second] = [await startOrigin(t, routes), await startOrigin(t, routes)];
  const relay = (allowed: string[]) => [{ name: 'relay', source: RELAY_C, allowed }];
  const { daemon, dir, gateways } = await outboundDaemon(t, relay([first.origin]), { log: memoryLogger() });
  const call = (origin: string) => rawRequest(gateways.get('relay')!.port, absoluteRequest('GET', `${origin}/hello`));
  t.is((await call(first.origin)).status, 200);
  t.is((await call(second.origin)).status, 403);

  await writeOutboundProject(dir, relay([second.origin]));
  await daemon.reload();
  t.is((await call(first.origin)).status, 403, 'no longer allowed');
  t.is((await call(second.origin)).status, 200, 'allowed now');

  await writeOutboundProject(dir, relay([]));
  await daemon.reload();
  const refused = await call(second.origin);
  t.is(refused.status, 500);
  t.regex(refused.body.toString(), /^EACCES/);
});
