/**
 * The cloud for benchmarks, in its own process: PG_URL is the database, ADMIN_TOKEN the admin
 * token. Prints `READY {"port":…}`.
 */
import { CloudConfig, startCloud } from '@gridlink/cloud';
import { pino } from 'pino';

const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url: process.env.PG_URL },
  auth: { admin_token: process.env.ADMIN_TOKEN },
  log: { level: 'error' },
});
const cloud = await startCloud(config, pino({ level: 'error' }));
console.log(`READY ${JSON.stringify({ port: cloud.port })}`);
process.on('SIGTERM', () => void cloud.stop().then(() => process.exit(0)));
