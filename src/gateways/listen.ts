// Both gateways listen the same way: resolve with the bound port (the
// project's, or an ephemeral one when asked for 0), reject on EADDRINUSE & co.
import type { AddressInfo, Server } from 'node:net';

export async function listenOn(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
