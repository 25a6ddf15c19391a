/**
 * A stand-in for npm start in the orphan test: it starts Node-RED as npm start does, prints the
 * child's pid and URL as one JSON line, and runs until it is killed.
 */
import { prepareNodeRed } from './node-red-settings.js';
import { freePort, startNodeRed } from './start-node-red.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: start-node-red.test-support.ts <data dir>');
const prepared = await prepareNodeRed({ dataDir, port: await freePort() });
const running = await startNodeRed(prepared, { portSetting: '--node-red-port' });
console.log(JSON.stringify({ pid: running.pid, url: running.url }));
setInterval(() => {}, 60_000);
