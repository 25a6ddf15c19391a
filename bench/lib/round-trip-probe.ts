/**
 * A device that is not flooding, in a process of its own (the flooding load generator's event
 * loop is too busy to time anything): one QoS1 reading at a time, every 100 ms, its PUBACK timed.
 * Prints one JSON line `{"roundTrips":[ms…],"unanswered":n}` when its standard input closes.
 *
 *   PORT=1883 DEVICE=probe-0 PASSWORD=… node --import tsx bench/lib/round-trip-probe.ts
 */
import { encodePublish, RawClient } from './raw-client.js';

const device = process.env.DEVICE ?? 'probe-0';
const client = await RawClient.connect(Number(process.env.PORT), device, {
  username: device,
  password: process.env.PASSWORD ?? '',
});
const roundTrips: number[] = [];
let unanswered = 0;
let running = true;
process.stdin.resume();
process.stdin.once('end', () => {
  running = false;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
console.log('READY');
for (let id = 1; running; id = (id % 65535) + 1) {
  const acked = client.expect('puback');
  const sent = performance.now();
  client.socket.write(encodePublish(`gridlink/${device}`, '{"temperature":21.5,"humidity":45,"battery":90}', 1, id));
  const answered = await Promise.race([acked.then(() => true), sleep(30_000).then(() => false)]);
  if (answered) roundTrips.push(performance.now() - sent);
  else unanswered++;
  await sleep(100);
}
console.log(JSON.stringify({ roundTrips, unanswered }));
client.close();
process.exit(0);
