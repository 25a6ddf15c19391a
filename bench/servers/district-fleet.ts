/**
 * A district's gateways for benchmarks, in their own process: FLEET_FILE is a JSON list of
 * gateways ({ id, token, community, grids, port, cut }): each sends to the cloud replica on `port`,
 * the `cut` ones through a link that a power cut takes down. DATA_DIR holds their outboxes, DEVICES
 * is each gateway's device count, FACTOR the simulated clock's speed, SEED the randomness.
 * Prints `READY {…}`, then answers commands on its standard input, a line each, with a line:
 * `SYNC` (every gateway's full sync; `SYNCED` once delivered), `RUN`/`PAUSE` (the traffic),
 * `STORM n` (n alerts at once), `CUT`/`RESTORE` (the power cut), `STATUS` (`STATUS {…}`, and
 * the batch-latency sample starts again), `DRAIN` (`DRAINED` once every outbox is empty),
 * `TALLY` (the senders stop; `TALLY {…}`, and the acknowledged ids in a file, to check against
 * the cloud). After `RESTORE`, `REPLAYED {…}` once the
 * cut gateways' backlog is acknowledged. It exits on `STOP`, or when its standard input closes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { DistrictTraffic, seeded } from '../lib/district-traffic.js';
import { LinkSwitch } from '../lib/link-switch.js';
import { SimGateway, type SimGatewaySpec } from '../lib/sim-gateway.js';
import { percentile } from '../lib/stats.js';

type FleetEntry = SimGatewaySpec & { port: number; cut: boolean };
const entries = JSON.parse(readFileSync(process.env.FLEET_FILE as string, 'utf8')) as FleetEntry[];
const dataDir = process.env.DATA_DIR as string;
const devices = Number(process.env.DEVICES ?? 100);
const factor = Number(process.env.FACTOR ?? 96);
mkdirSync(dataDir, { recursive: true });
const logger = pino({ level: 'silent' });

const switches = new Map<number, LinkSwitch>();
for (const port of new Set(entries.filter((e) => e.cut).map((e) => e.port)))
  switches.set(port, await LinkSwitch.open(port));
const latencies: number[] = [];
const cut = new Set<SimGateway>();
const gateways = entries.map((entry) => {
  const link = entry.cut ? switches.get(entry.port) : undefined;
  const gateway = new SimGateway(entry, {
    url: link?.url ?? `http://127.0.0.1:${entry.port}`,
    dataDir,
    devices,
    logger,
    batchMaxEvents: 1000,
    onRequest: (ms) => latencies.push(ms),
  });
  if (entry.cut) cut.add(gateway);
  return gateway;
});
let powerOff = false;
/** Events of the power cut's backlog not yet acknowledged. */
let replayLeft = 0;
const traffic = new DistrictTraffic(gateways, seeded(Number(process.env.SEED ?? 2026)));
for (const gateway of gateways) gateway.start();

const TICK_MS = 100;
let running = false;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (running) traffic.tick((now - last) * factor, Date.now());
  last = now;
}, TICK_MS);

const depth = () => gateways.reduce((n, g) => n + g.depth(), 0);
const count = (pick: (g: SimGateway) => Set<string>) => gateways.reduce((n, g) => n + pick(g).size, 0);
const waitEmpty = async (which: SimGateway[]) => {
  while (which.some((g) => g.depth() > 0)) await new Promise((resolve) => setTimeout(resolve, 100));
};

console.log(`READY ${JSON.stringify({ gateways: gateways.length, port: 0 })}`);
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(' ');
  switch (command) {
    case 'SYNC':
      for (const gateway of gateways) gateway.sync(Date.now());
      void waitEmpty(gateways).then(() => console.log('SYNCED'));
      break;
    case 'RUN':
      last = performance.now();
      running = true;
      break;
    case 'PAUSE':
      running = false;
      break;
    case 'STORM':
      traffic.storm(Number(arg), Date.now());
      break;
    case 'CUT':
      powerOff = true;
      for (const link of switches.values()) link.cut();
      // Mains-powered devices (a tenth) go dark with the cabinet and come back with it.
      for (const gateway of cut) for (let n = 0; n < devices / 10; n++) gateway.availability(n, 'offline', Date.now());
      break;
    case 'RESTORE': {
      powerOff = false;
      for (const gateway of cut) for (let n = 0; n < devices / 10; n++) gateway.availability(n, 'online', Date.now());
      for (const link of switches.values()) link.restore();
      const restored = performance.now();
      // The backlog: what the cut gateways recorded and the cloud has not acknowledged yet.
      const backlog = [...cut].map((g) => ({ gateway: g, ids: g.undelivered() }));
      const events = backlog.reduce((n, b) => n + b.ids.length, 0);
      const replayedAll = async () => {
        for (;;) {
          replayLeft = backlog.reduce((n, b) => n + b.ids.filter((id) => !b.gateway.delivered.has(id)).length, 0);
          if (replayLeft === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      void replayedAll().then(() =>
        console.log(`REPLAYED ${JSON.stringify({ backlog: events, seconds: (performance.now() - restored) / 1000 })}`),
      );
      break;
    }
    case 'STATUS': {
      latencies.sort((a, b) => a - b);
      const status = {
        delivered: count((g) => g.delivered),
        depth: depth(),
        powerOff,
        requests: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        raised: traffic.raised,
        simMs: traffic.simulatedMs,
        replayLeft,
      };
      latencies.length = 0;
      console.log(`STATUS ${JSON.stringify(status)}`);
      break;
    }
    case 'DRAIN':
      void waitEmpty(gateways).then(() => console.log('DRAINED'));
      break;
    case 'TALLY': {
      // The senders stop first, so what is acknowledged and what waits no longer moves.
      await Promise.all(gateways.map((g) => g.halt()));
      let lost = 0;
      let waiting = 0;
      for (const gateway of gateways) {
        const queued = new Set(gateway.waitingIds());
        waiting += queued.size;
        for (const id of gateway.mustDeliver) if (!gateway.delivered.has(id) && !queued.has(id)) lost++;
      }
      const file = join(dataDir, 'acknowledged.json');
      writeFileSync(file, JSON.stringify(gateways.map((g) => [g.spec.id, [...g.delivered]])));
      const senders = gateways.map((g) => g.sender.stats());
      console.log(
        `TALLY ${JSON.stringify({
          delivered: count((g) => g.delivered),
          waiting,
          mustDeliver: count((g) => g.mustDeliver),
          lost,
          duplicates: senders.reduce((n, s) => n + s.duplicates, 0),
          retries: senders.reduce((n, s) => n + s.retries, 0),
          quarantined: senders.reduce((n, s) => n + s.quarantined, 0),
          file,
        })}`,
      );
      break;
    }
    case 'STOP':
      running = false;
      for (const gateway of gateways) await gateway.stop();
      for (const link of switches.values()) await link.close();
      process.exit(0);
  }
}
// The bench is gone (its end of standard input closed): nothing more will be asked.
process.exit(0);
