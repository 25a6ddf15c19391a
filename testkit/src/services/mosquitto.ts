import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { findMosquitto as findMosquittoBinary } from './binaries.js';
import { freePort } from './ports.js';
import { createScratchDir, launchServer } from './process.js';
import type { BinaryLauncher, StartedService } from './resolve.js';

/** Resolves once an MQTT CONNECT to `url` is acknowledged; rejects otherwise. */
export async function verifyMqtt(url: string, timeoutMs = 5_000): Promise<void> {
  const connecting = connectAsync(
    url,
    { connectTimeout: timeoutMs, reconnectPeriod: 0, clientId: `gl-probe-${process.pid}-${Date.now()}` },
    false,
  );
  const client = await connecting;
  if (!client.connected) {
    client.end(true);
    throw new Error('the broker closed the connection');
  }
  await client.endAsync();
}

async function startMosquitto(binary: string): Promise<StartedService> {
  const port = await freePort();
  const scratch = await createScratchDir('gridlink-mqtt-');
  const configFile = join(scratch.path, 'mosquitto.conf');
  // Run as root, mosquitto 2 drops to the 'mosquitto' user only after reading this file, and it
  // writes nothing later (no persistence, logs to stderr), so the private temp dir is fine.
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'set_tcp_nodelay true',
    'log_dest stderr',
    '',
  ];
  await writeFile(configFile, config.join('\n'));

  return launchServer({
    name: 'mosquitto',
    binary,
    args: ['-c', configFile],
    scratch,
    url: `mqtt://127.0.0.1:${port}`,
    verify: verifyMqtt,
    graceMs: 3_000,
  });
}

export function findMosquitto(): BinaryLauncher | null {
  const binary = findMosquittoBinary();
  if (binary === null) return null;
  return { detail: `mosquitto from ${binary}`, start: () => startMosquitto(binary) };
}
