import { MQTT_API, parseTopic } from '@gridlink/protocol';

/**
 * Whether a client's message on `topic` may be retained: only on the topic kinds the MQTT API map
 * says are retained (a device's state and availability), so one device can hold at most those
 * two retained topics however many event names it invents.
 */
export function mayRetain(topic: string, base: string): boolean {
  const parsed = parseTopic(topic, base);
  return parsed.ok && MQTT_API[parsed.value.kind].retain === 'always';
}
