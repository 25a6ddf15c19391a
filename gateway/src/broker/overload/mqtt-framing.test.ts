import { describe, expect, it } from 'vitest';
import { PINGREQ, publishPacket } from '../raw-mqtt.js';
import { MqttFraming } from './mqtt-framing.js';

const reading = publishPacket('gridlink/dc-1', '{"contact":"open"}', { qos: 1, messageId: 7 });
/** Remaining length 200: two bytes of it (0xc8 0x01). */
const large = publishPacket('gridlink/dc-1', 'x'.repeat(200 - 2 - 13 - 2), { qos: 1 });

describe('cutting a client read into turns by the packets fixed headers', () => {
  it('hands at most the turn of whole packets and leaves the rest', () => {
    const bytes = Buffer.concat([reading, reading, reading, PINGREQ]);
    const framing = new MqttFraming();
    expect(framing.cut(bytes, 2)).toEqual({ length: 2 * reading.length, packets: 2 });
    expect(framing.cut(bytes.subarray(2 * reading.length), 2)).toEqual({
      length: reading.length + PINGREQ.length,
      packets: 2,
    });
  });

  it('hands on the head of a packet whose body is still to come, and counts it once the rest arrives', () => {
    expect(large.length).toBe(203);
    const framing = new MqttFraming();
    expect(framing.cut(large.subarray(0, 50), 16)).toEqual({ length: 50, packets: 0 });
    expect(framing.cut(large.subarray(50, 100), 16)).toEqual({ length: 50, packets: 0 });
    const rest = Buffer.concat([large.subarray(100), reading]);
    expect(framing.cut(rest, 16)).toEqual({ length: rest.length, packets: 2 });
  });

  it('waits for the rest of a fixed header split across reads', () => {
    const framing = new MqttFraming();
    expect(framing.cut(large.subarray(0, 2), 16)).toEqual({ length: 0, packets: 0 });
    expect(framing.cut(large.subarray(0, 1), 16)).toEqual({ length: 0, packets: 0 });
    expect(framing.cut(large, 16)).toEqual({ length: large.length, packets: 1 });
  });

  it('hands on everything once a remaining length runs past four bytes (not MQTT: the parser refuses it)', () => {
    const framing = new MqttFraming();
    const garbage = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    expect(framing.cut(garbage, 16)).toEqual({ length: garbage.length, packets: 0 });
    expect(framing.cut(reading, 16)).toEqual({ length: reading.length, packets: 0 });
  });
});
