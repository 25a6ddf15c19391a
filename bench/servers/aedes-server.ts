/** Bare aedes 1.2.0 with default options on a loopback port: the reference for our broker. */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker();
const server = createServer({ noDelay: true }, aedes.handle);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`READY ${JSON.stringify({ port: address.port })}`);
});
process.on('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))));
