/**
 * A broker in its own process, for the overload tests (flood-scenario.ts drives the clients):
 *
 *   node --import tsx gateway/src/broker/overload/flood-broker.fixture.ts bare|hardened
 *
 * `bare` is aedes 1.2.0 as it ships; `hardened` adds `hardenAgainstOverload` with the gateway's
 * default limits. Reports JSON lines on stdout: `{"port":...}` once listening, then a sample every
 * 250 ms and one per client disconnect (RSS, emitter backlog, guard statistics).
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { hardenAgainstOverload, type OverloadGuard } from './harden.js';

const mode = process.argv[2] === 'hardened' ? 'hardened' : 'bare';
const maxQueuedPerClient = Number(process.env.OVERLOAD_MAX_QUEUED ?? 10_000);
const drainTimeoutMs = Number(process.env.OVERLOAD_DRAIN_TIMEOUT_MS ?? 30_000);

const aedes = await Aedes.createBroker({ drainTimeout: drainTimeoutMs });
let guard: OverloadGuard | undefined;
if (mode === 'hardened') guard = hardenAgainstOverload(aedes, { maxQueuedPerClient, drainTimeoutMs });

const mq = (aedes as unknown as { mq: { length: number } }).mq;
const started = Date.now();
let peakRss = 0;
let peakEmitterBacklog = 0;

const report = (extra: Record<string, unknown> = {}) => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  peakEmitterBacklog = Math.max(peakEmitterBacklog, mq.length);
  const line = {
    t: Date.now() - started,
    rssMB: Math.round(rss / 1e6),
    peakRssMB: Math.round(peakRss / 1e6),
    emitterBacklog: mq.length,
    peakEmitterBacklog,
    clients: aedes.connectedClients,
    ...(guard ? { guard: guard.stats() } : {}),
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

aedes.on('clientDisconnect', (client) => report({ disconnected: client.id }));
const server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, mode })}\n`);
});
setInterval(report, 250);
