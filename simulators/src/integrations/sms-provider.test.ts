import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsProviderSimulator } from './sms-provider.js';

const API_KEY = 'test-sms-key-0123456789';

describe('the simulated SMS provider', () => {
  const provider = new SmsProviderSimulator({ apiKey: API_KEY, now: () => new Date('2026-12-06T10:00:00Z') });
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());

  const send = (body: unknown, key = API_KEY) =>
    fetch(`${provider.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('accepts a text to a mainland number with the account key, answers with its id and segments, and keeps it', async () => {
    const response = await send({ to: '+8613800138000', text: '您的家人今日未用水,请联系。', sign: '【幸福里社区】' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: 'sms-000001', status: 'queued', to: '+8613800138000', segments: 1 });
    expect(provider.messages.at(-1)).toMatchObject({
      id: 'sms-000001',
      to: '+8613800138000',
      text: '您的家人今日未用水,请联系。',
      received_at: '2026-12-06T10:00:00.000Z',
    });
  });

  it('lists what it received to a caller with the key', async () => {
    const response = await fetch(`${provider.url}/v1/messages`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.status).toBe(200);
    const { messages } = (await response.json()) as { messages: { id: string }[] };
    expect(messages.map((message) => message.id)).toContain('sms-000001');
  });

  it('sends a retried request (same reference) once', async () => {
    const before = provider.messages.length;
    const first = await send({ to: '13900139000', text: 'visit at 9', reference: 'care-42' });
    const again = await send({ to: '13900139000', text: 'visit at 9', reference: 'care-42' });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect((await again.json()) as { id: string }).toMatchObject({ id: ((await first.json()) as { id: string }).id });
    expect(provider.messages).toHaveLength(before + 1);
  });

  it('bills long Chinese texts as several 67-character segments', async () => {
    const response = await send({ to: '13900139001', text: '水'.repeat(140) });
    expect(((await response.json()) as { segments: number }).segments).toBe(3);
  });

  it('refuses a wrong or missing key without recording anything', async () => {
    const before = provider.messages.length;
    const wrong = await send({ to: '13900139000', text: 'hi' }, 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('authorization') },
    });
    const missing = await fetch(`${provider.url}/v1/messages`);
    expect(missing.status).toBe(401);
    expect(provider.messages).toHaveLength(before);
  });

  it('refuses a malformed request naming the field and what to send', async () => {
    const badNumber = await send({ to: '12345', text: 'hi' });
    expect(badNumber.status).toBe(400);
    expect(((await badNumber.json()) as { error: { message: string } }).error.message).toMatch(
      /^to: .*mainland mobile number/,
    );
    const noText = await send({ to: '13800138000' });
    expect(((await noText.json()) as { error: { message: string } }).error.message).toMatch(/^text: missing/);
    const notJson = await send('to=13800138000');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(/^body: not JSON/);
    const unknownRoute = await fetch(`${provider.url}/send`, { method: 'POST' });
    expect(unknownRoute.status).toBe(404);
  });

  it('refuses a body over its limit', async () => {
    const response = await send({ to: '13800138000', text: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
  });

  it('will not run with a guessable key', () => {
    expect(() => new SmsProviderSimulator({ apiKey: 'short' })).toThrow(/apiKey: expected at least 16 characters/);
  });
});
