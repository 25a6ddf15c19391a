import { describe, expect, it } from 'vitest';
import { maskPhone } from '../privacy/mask.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { BACKENDS, manualClock, useMigratedDatabase } from '../test-support.js';
import { Digests, newTrackingCode } from './codes.js';
import { Buckets, positionCell, windowRefusal } from './limits.js';
import { PhoneCodes } from './phone-codes.js';
import { ResidentStore } from './store.js';

/**
 * What the residents' store keeps and how its limits count: sealed phones, hashed codes, buckets
 * shared through the database, photos taken by one report only.
 */
describe.each(BACKENDS)('the residents’ store (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'residents database' });
  const clock = manualClock('2026-12-07T01:00:00.000Z');
  const digests = new Digests('test secret');

  it('makes tracking codes of 10 unambiguous characters, and masks phones as 138****1234', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newTrackingCode()));
    expect(codes.size).toBe(200);
    for (const code of codes) expect(code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/);
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(digests.phone('13812341234')).not.toContain('1234');
  });

  it('keeps SMS codes hashed, refuses a resend within a minute, and a code after five minutes', async () => {
    const sent: string[] = [];
    const codes = new PhoneCodes(db(), clock, digests, { send: async (_phone, text) => void sent.push(text) });
    await codes.send('13812341234');
    const code = /(\d{6})/.exec(sent[0] ?? '')?.[1] as string;
    const { rows } = await db().query<{ code_hash: string }>('SELECT code_hash FROM resident_phone_codes');
    expect(JSON.stringify(rows)).not.toContain(code);
    await expect(codes.send('13812341234')).rejects.toMatchObject({ code: 'GL_RESIDENT_LIMITED' });
    clock.advance(301_000);
    await expect(codes.confirm('13812341234', code)).rejects.toMatchObject({ code: 'GL_RESIDENT_CODE_REFUSED' });
    await codes.send('13812341234');
    await codes.confirm('13812341234', /(\d{6})/.exec(sent[1] ?? '')?.[1] as string);
    expect(new PhoneCodes(db(), clock, digests, undefined).available).toBe(false);
  });

  it('takes from a token bucket until empty and says when one token is back', async () => {
    const buckets = new Buckets(db(), clock);
    for (let i = 0; i < 3; i++) expect((await buckets.take('report:10.0.0.1', 3, 6)).ok).toBe(true);
    const refused = await buckets.take('report:10.0.0.1', 3, 6);
    expect(refused).toEqual({ ok: false, retryAfter: expect.closeTo(600, 0) });
    expect((await buckets.take('report:10.0.0.2', 3, 6)).ok).toBe(true);
    clock.advance(600_000);
    expect((await buckets.take('report:10.0.0.1', 3, 6)).ok).toBe(true);
  });

  it('counts a sliding hour and names when the oldest leaves it', () => {
    const now = new Date('2026-12-07T02:00:00Z');
    expect(windowRefusal('phone', 5, { count: 4, oldest: new Date('2026-12-07T01:30:00Z') }, now)).toBeUndefined();
    const refusal = windowRefusal('phone', 5, { count: 5, oldest: new Date('2026-12-07T01:30:00Z') }, now);
    expect(refusal?.headers).toEqual({ 'retry-after': '1800' });
    expect(positionCell(119.14149, 33.50141)).toBe(positionCell(119.1406, 33.5009));
    expect(positionCell(119.1414, 33.5014)).not.toBe(positionCell(119.1426, 33.5014));
  });

  it('seals the phone to its report: a copy moved to another report does not open', async () => {
    const seal = new PersonalDataSeal('test secret', 'resident contact');
    const store = new ResidentStore(db(), clock, seal);
    await db().query(
      `INSERT INTO incidents (id, state, category_code, severity, source, intake_request_id, first_occurred_at,
         last_occurred_at, title, created_at, updated_at)
       VALUES ('INC-1', 'REPORTED', 'other', 'minor', 'resident', 'r-1', now(), now(), 't', now(), now()),
              ('INC-2', 'REPORTED', 'other', 'minor', 'resident', 'r-2', now(), now(), 't', now(), now())`,
    );
    const first = await store.add(db(), {
      incidentId: 'INC-1',
      channel: 'web',
      trackingCode: 'AAAAAAAAAA',
      phone: '13812341234',
      phoneHash: digests.phone('13812341234'),
      cell: null,
      addressKey: '10.0.0.1',
    });
    await store.add(db(), {
      incidentId: 'INC-2',
      channel: 'web',
      trackingCode: 'BBBBBBBBBB',
      cell: null,
      addressKey: '10.0.0.1',
    });
    const found = await store.byTrackingCode('AAAAAAAAAA');
    expect(found?.id).toBe(first);
    expect(found?.phone_sealed).not.toContain('1381234');
    expect(store.maskedPhone(found as NonNullable<typeof found>)).toBe('138****1234');
    const other = await store.byTrackingCode('BBBBBBBBBB');
    expect(
      store.phoneOf({ ...(other as NonNullable<typeof other>), phone_sealed: found?.phone_sealed ?? null }),
    ).toBeUndefined();
    expect(await store.byTrackingCode('CCCCCCCCCC')).toBeUndefined();
  });

  it('hands an uploaded photo to one report only', async () => {
    const store = new ResidentStore(db(), clock, new PersonalDataSeal('test secret', 'resident contact'));
    const photo = await store.addPhoto({
      mediaType: 'image/jpeg',
      content: Buffer.from([0xff, 0xd8, 0xff, 1]),
      addressKey: 'a',
    });
    expect(await store.samePhotos(photo.sha256, new Date(0))).toMatchObject({ count: 1 });
    expect(await store.takePhotos(db(), [photo.id])).toHaveLength(1);
    expect(await store.takePhotos(db(), [photo.id])).toHaveLength(0);
  });
});
