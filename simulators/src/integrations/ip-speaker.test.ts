import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpSpeakerSimulator } from './ip-speaker.js';

const USER = 'broadcast';
const PASSWORD = 'speaker-password-0123';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the simulated IP speaker', () => {
  const speaker = new IpSpeakerSimulator({
    username: USER,
    password: PASSWORD,
    zones: ['b3-u2-lobby', 'gate-north'],
    now: () => new Date('2026-12-06T14:30:00Z'),
  });
  beforeAll(() => speaker.start());
  afterAll(() => speaker.stop());

  const broadcast = (body: unknown, authorization = basic(USER, PASSWORD)) =>
    fetch(`${speaker.url}/api/v1/broadcast`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('speaks a text in a zone at a volume and records it', async () => {
    const response = await broadcast({ text: '3号楼2单元门未关,请随手关门。', volume: 70, zone: 'b3-u2-lobby' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 'ok', broadcast_id: 'bc-000001', zone: 'b3-u2-lobby', seconds: 4 });
    expect(speaker.broadcasts.at(-1)).toEqual({
      id: 'bc-000001',
      text: '3号楼2单元门未关,请随手关门。',
      volume: 70,
      zone: 'b3-u2-lobby',
      repeat: 1,
      received_at: '2026-12-06T14:30:00.000Z',
    });
  });

  it('takes its default volume when none is given, and lists its broadcasts and zones', async () => {
    await broadcast({ text: '北门请注意', zone: 'gate-north', repeat: 2 });
    expect(speaker.broadcasts.at(-1)).toMatchObject({ volume: 60, repeat: 2 });
    const auth = { headers: { authorization: basic(USER, PASSWORD) } };
    const listed = (await (await fetch(`${speaker.url}/api/v1/broadcasts`, auth)).json()) as {
      broadcasts: unknown[];
    };
    expect(listed.broadcasts).toHaveLength(speaker.broadcasts.length);
    expect(await (await fetch(`${speaker.url}/api/v1/status`, auth)).json()).toEqual({
      result: 'ok',
      online: true,
      zones: ['b3-u2-lobby', 'gate-north'],
    });
  });

  it('refuses wrong credentials, speaking nothing', async () => {
    const before = speaker.broadcasts.length;
    expect((await broadcast({ text: 'x', zone: 'gate-north' }, basic(USER, 'wrong-password'))).status).toBe(401);
    expect((await broadcast({ text: 'x', zone: 'gate-north' }, 'Bearer token')).status).toBe(401);
    expect(speaker.broadcasts).toHaveLength(before);
  });

  it('refuses an unknown zone naming its zones, and a volume out of range naming the field', async () => {
    const zone = await broadcast({ text: '请注意', zone: 'b9-u9' });
    expect(zone.status).toBe(400);
    expect(((await zone.json()) as { message: string }).message).toBe(
      'zone: no zone "b9-u9" on this speaker; its zones are b3-u2-lobby, gate-north',
    );
    const volume = await broadcast({ text: '请注意', zone: 'gate-north', volume: 150 });
    expect(((await volume.json()) as { message: string }).message).toMatch(/^volume: /);
    const extra = await broadcast({ text: '请注意', zone: 'gate-north', voice: 'male' });
    expect(((await extra.json()) as { message: string }).message).toMatch(/voice/);
  });
});
