import { type AddressInfo, createServer, type Server } from 'node:net';
import type { Aedes } from 'aedes';

/** A TCP listener for the broker. `noDelay`: without it QoS1 round trips stall ~40 ms on Nagle. */
export async function listenTcp(aedes: Aedes, port: number, host: string): Promise<Server> {
  const server = createServer({ noDelay: true }, aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
