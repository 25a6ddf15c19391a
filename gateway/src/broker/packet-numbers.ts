import { createRequire } from 'node:module';

/**
 * mqtt-packet writes packet ids from a cache of 65,536 two-byte Buffers, built on its first write:
 * ~7 MB of heap (a Buffer object each), kept for good, to spare one two-byte allocation per packet
 * with an id. The gateway writes them without it (bench/broker-flood-memory.ts: the heap ~7 MB
 * smaller, messages per second unchanged). Set before the broker writes its first packet: the
 * cache is then never built.
 */
export function writePacketIdsWithoutCache(): void {
  // The mqtt-packet aedes itself imports (a copy of its own, should versions ever differ).
  const fromAedes = createRequire(import.meta.resolve('aedes'));
  const mqttPacket = fromAedes('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
  mqttPacket.writeToStream.cacheNumbers = false;
}
