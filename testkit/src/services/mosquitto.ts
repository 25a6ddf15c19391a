import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { findMosquitto as findMosquittoBinary } from './binaries.js';
import { freePort } from './ports.js';
import { createScratchDir, startProcess, waitUntilReady } from './process.js';
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

  const server = startProcess('mosquitto', binary, ['-c', configFile], { cwd: scratch.path });
  const stop = async () => {
    await server.stop(3_000);
    await scratch.remove();
  };
  const url = `mqtt://127.0.0.1:${port}`;
  try {
    await waitUntilReady(
      'mosquitto',
      async () => {
        await verifyMqtt(url, 1_000);
        return true;
      },
      { process: server },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

export function findMosquitto(): BinaryLauncher | null {
  const binary = findMosquittoBinary();
  if (binary === null) return null;
  return { detail: `mosquitto from ${binary}`, start: () => startMosquitto(binary) };
}
