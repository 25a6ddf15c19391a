import { RawClient } from './lib/raw-client.js';
import { startScript } from './lib/servers.js';
import { rssOf } from './lib/stats.js';

const which = process.argv[2] ?? 'gateway-server.ts';
const b = await startScript(which, which, { DEVICES: '2000' }, []);
console.log('rss at start', ((await rssOf(b.pid)) / 1048576).toFixed(1));
const clients = [];
for (let s = 0; s < 2000; s += 100) {
  const wave = [];
  for (let n = s; n < s + 100; n++)
    wave.push(RawClient.connect(b.port, `th-${n}`, { username: `th-${n}`, password: 'bench-secret' }));
  clients.push(...(await Promise.all(wave)));
}
await new Promise((r) => setTimeout(r, 2000));
console.log('rss with 2000', ((await rssOf(b.pid)) / 1048576).toFixed(1));
for (const c of clients) c.close();
await b.stop();
