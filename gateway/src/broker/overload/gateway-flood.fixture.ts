/**
 * The full gateway in its own process for the overload test, speaking the same stdout protocol as
 * flood-broker.fixture.ts. Base topic `flood`, so the scenario's `flood/t` is the state topic of a
 * provisioned temp_humidity device `t`; `console` is an observer account.
 */
import { InMemoryDirectory } from '../../devices/directory.js';
import { Gateway } from '../../gateway.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../../test-support.js';

export const FLOOD_DEVICE = { clientId: 't', auth: { username: 't', password: 'flood-device-secret' } };
export const FLOOD_OBSERVER = { username: 'console', password: 'flood-observer-secret' };

const directory = new InMemoryDirectory(
  [await testDevice('t', 'temp_humidity', FLOOD_DEVICE.auth.password)],
  [await testService(FLOOD_OBSERVER.username, 'observer', FLOOD_OBSERVER.password)],
);
const gateway = new Gateway({
  config: testGatewayConfig({ gateway: { id: 'gw-flood', community: '320803001001', base_topic: 'flood' } }),
  directory,
  logger: silentLogger(),
});
await gateway.start();
const started = Date.now();
let peakRss = 0;
const report = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const { clients, valid } = gateway.stats();
  process.stdout.write(
    `${JSON.stringify({ t: Date.now() - started, rssMB: Math.round(rss / 1e6), peakRssMB: Math.round(peakRss / 1e6), clients, valid })}\n`,
  );
};
process.stdout.write(`${JSON.stringify({ port: gateway.ports.tcp, mode: 'gateway' })}\n`);
setInterval(report, 250);
