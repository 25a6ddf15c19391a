import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { OutboxItem, OutboxProblem } from './item.js';
import { type NewRequest, Outbox, type SendOutcome, type Transport, type WireRequest } from './outbox.js';
import { at, pathResultOf, referencedIds, resolvePath, resultOf, sentAtPlaceholder } from './placeholders.js';
import { IndexedDbOutboxStore, MemoryOutboxStore, StorageFull } from './store.js';

const problem = (status: number, text: string): OutboxProblem => ({ status, code: `GL_${status}`, text, errors: [] });

/** A server as the outbox sees it: answers by rule, records what arrived, may be out of reach. */
class FakeServer implements Transport {
  offline = false;
  /** Requests that reached the server (in order), whatever it answered. */
  arrived: WireRequest[] = [];
  /** The next request arrives but its answer is lost (the signal went mid-request). */
  loseNextAnswer = false;
  private uploads = 0;
  constructor(private readonly answer: (request: WireRequest) => SendOutcome | undefined = () => undefined) {}

  async send(request: WireRequest): Promise<SendOutcome> {
    if (this.offline) return { ok: false, network: true };
    this.arrived.push(request);
    const ruled = this.answer(request);
    const outcome: SendOutcome = ruled ?? { ok: true, result: this.defaultAnswer(request) };
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      return { ok: false, network: true };
    }
    return outcome;
  }

  private defaultAnswer(request: WireRequest): unknown {
    if ('blob' in request.body) return { id: `file-${++this.uploads}`, sha256: `sha-${this.uploads}` };
    if (request.method === 'GET') return { attachments: [] };
    return { echo: 'json' in request.body ? request.body.json : null };
  }

  posts(): Array<{ path: string; json: unknown }> {
    return this.arrived
      .filter((request) => request.method !== 'GET')
      .map((request) => ({ path: request.path, json: 'json' in request.body ? request.body.json : 'blob' }));
  }
}

function outboxOn(
  server: Transport,
  options: { owner?: string; store?: MemoryOutboxStore | IndexedDbOutboxStore } = {},
) {
  let now = Date.parse('2026-12-06T08:00:00Z');
  const owner = { id: options.owner ?? 'worker-1' };
  const outbox = new Outbox({
    store: options.store ?? new MemoryOutboxStore(),
    transport: server,
    owner: () => owner.id,
    now: () => new Date(now),
    random: () => 0.5,
  });
  return { outbox, owner, later: (ms: number) => (now += ms) };
}

const step = (
  id: string,
  incident: string,
  json: Record<string, unknown>,
  extra: Partial<NewRequest> = {},
): NewRequest => ({
  id,
  kind: 'incident.transition',
  subject: incident,
  label: { zh: '步骤', en: 'step' },
  method: 'POST',
  path: `/incidents/${incident}/transitions`,
  body: { json: { request_id: id, ...json } },
  ...extra,
});
const photo = (id: string, incident: string, text = 'jpeg bytes'): NewRequest => ({
  id,
  kind: 'incident.attachment',
  subject: incident,
  label: { zh: '照片', en: 'photo' },
  method: 'POST',
  path: `/incidents/${incident}/attachments?name=a.jpg`,
  body: { blob: new Blob([text], { type: 'image/jpeg' }), contentType: 'image/jpeg' },
});
const states = (outbox: Outbox) => Object.fromEntries(outbox.list().map((item) => [item.id, item.state]));

describe('the outbox', () => {
  it('sends strictly in queue order, stops at the first request without an answer, and resumes there', async () => {
    const server = new FakeServer();
    const { outbox, later } = outboxOn(server);
    server.offline = true;
    await outbox.enqueue([step('r1', 'inc-a', { action: 'sign' })]);
    await outbox.enqueue([step('r2', 'inc-b', { action: 'sign' })]);
    await outbox.enqueue([step('r3', 'inc-a', { action: 'finish' })]);
    await outbox.flush();
    expect(server.arrived).toEqual([]);
    expect(states(outbox)).toEqual({ r1: 'pending', r2: 'pending', r3: 'pending' });
    // Offline: the next pass waits (a growing delay) unless forced by the network coming back.
    expect(outbox.retryAt).toBeGreaterThan(0);
    server.offline = false;
    await outbox.flush();
    expect(server.arrived).toEqual([]);
    later(60_000);
    await outbox.flush();
    expect(server.posts().map((post) => (post.json as { request_id: string }).request_id)).toEqual(['r1', 'r2', 'r3']);
    expect(states(outbox)).toEqual({ r1: 'sent', r2: 'sent', r3: 'sent' });
    // Nothing goes twice.
    await outbox.flush(true);
    expect(server.arrived).toHaveLength(3);
  });

  it('puts the answer of an earlier request into a later one (a step naming the photos uploaded before it)', async () => {
    const server = new FakeServer();
    const { outbox } = outboxOn(server);
    await outbox.enqueue([
      photo('p1', 'inc-a'),
      photo('p2', 'inc-a'),
      step('s1', 'inc-a', {
        action: 'finish',
        attachments: [{ id: resultOf('p1', '/id') }, { id: resultOf('p2', '/id'), tag: 'after' }],
      }),
      {
        ...step('n1', 'inc-a', { note: resultOf('s1', '/echo/action') }),
        path: `/incidents/inc-a/notes/${pathResultOf('p2', '/id')}`,
      },
    ]);
    expect(outbox.get('s1')?.after).toEqual(['p1', 'p2']);
    await outbox.flush(true);
    expect(server.posts()).toEqual([
      { path: '/incidents/inc-a/attachments?name=a.jpg', json: 'blob' },
      { path: '/incidents/inc-a/attachments?name=a.jpg', json: 'blob' },
      {
        path: '/incidents/inc-a/transitions',
        json: { request_id: 's1', action: 'finish', attachments: [{ id: 'file-1' }, { id: 'file-2', tag: 'after' }] },
      },
      { path: '/incidents/inc-a/notes/file-2', json: { request_id: 'n1', note: 'finish' } },
    ]);
    // A photo's bytes are not kept once the server has them.
    expect(outbox.get('p1')?.body).toEqual({ none: true });
  });

  it('says a request kept offline was sent when it actually goes, not when it was queued', async () => {
    const server = new FakeServer();
    const { outbox, later } = outboxOn(server);
    server.offline = true;
    await outbox.enqueue([step('b1', 'patrol-1', { sent_at: sentAtPlaceholder() })]);
    await outbox.flush(true);
    later(3_600_000);
    server.offline = false;
    await outbox.flush(true);
    expect(server.posts()).toEqual([
      {
        path: '/incidents/patrol-1/transitions',
        json: { request_id: 'b1', sent_at: '2026-12-06T09:00:00.000Z' },
      },
    ]);
  });

  it('refuses to queue a request that refers to one it does not hold', async () => {
    const { outbox } = outboxOn(new FakeServer());
    await expect(
      outbox.enqueue([step('s1', 'inc-a', { attachments: [{ id: resultOf('nowhere', '/id') }] })]),
    ).rejects.toThrow(/needs nowhere/);
    expect(outbox.list()).toEqual([]);
  });

  it('keeps a conflict until the worker decides, holding back only what depends on it or shares its subject', async () => {
    let version = 5;
    const server = new FakeServer((request) => {
      const body = 'json' in request.body ? (request.body.json as { expected_version?: number }) : {};
      if (body.expected_version !== undefined && body.expected_version !== version)
        return { ok: false, problem: problem(409, `事件已被他人更新（现为第 ${version} 版）`) };
      if (body.expected_version !== undefined) version++;
      return undefined;
    });
    const { outbox } = outboxOn(server);
    await outbox.enqueue([step('s1', 'inc-a', { action: 'sign', expected_version: 4 })]);
    await outbox.enqueue([step('s2', 'inc-a', { action: 'finish' })]);
    await outbox.enqueue([step('o1', 'inc-b', { action: 'sign' })]);
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ s1: 'conflict', s2: 'pending', o1: 'sent' });
    expect(outbox.get('s1')?.problem?.text).toContain('第 5 版');
    expect(outbox.blockerOf(outbox.get('s2') as OutboxItem)?.id).toBe('s1');
    // Kept across passes: never dropped on its own.
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ s1: 'conflict', s2: 'pending', o1: 'sent' });
    // The worker retries on the new version: the same request id goes, then what waited on it.
    await outbox.retry('s1', (json) => ({ ...(json as object), expected_version: 5 }));
    expect(states(outbox)).toEqual({ s1: 'sent', s2: 'sent', o1: 'sent' });
    expect(server.posts().map((post) => post.json)).toEqual([
      { request_id: 's1', action: 'sign', expected_version: 4 },
      { request_id: 'o1', action: 'sign' },
      { request_id: 's1', action: 'sign', expected_version: 5 },
      { request_id: 's2', action: 'finish' },
    ]);
  });

  it('discards a conflict with what depends on it, and nothing else', async () => {
    const server = new FakeServer((request) =>
      request.path.endsWith('/transitions') ? { ok: false, problem: problem(409, 'moved on') } : undefined,
    );
    const { outbox } = outboxOn(server);
    await outbox.enqueue([photo('p1', 'inc-a'), step('s1', 'inc-a', { attachments: [{ id: resultOf('p1', '/id') }] })]);
    await outbox.enqueue([step('n1', 'inc-a', { note: resultOf('s1', '/echo') })]);
    await outbox.enqueue([photo('p9', 'inc-b')]);
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ p1: 'sent', s1: 'conflict', n1: 'pending', p9: 'sent' });
    expect(await outbox.discard('s1')).toEqual(['s1', 'n1']);
    expect(states(outbox)).toEqual({ p1: 'sent', p9: 'sent' });
  });

  it('keeps a refusal with the server’s words, and waits out a server in trouble as it asks', async () => {
    let busy = true;
    const server = new FakeServer((request) => {
      if (request.path.includes('bad')) return { ok: false, problem: problem(422, '缺少处置说明') };
      if (busy) return { ok: false, problem: problem(503, 'restarting'), retryAfterS: 30 };
      return undefined;
    });
    const { outbox, later } = outboxOn(server);
    await outbox.enqueue([step('b1', 'bad', { action: 'finish' })]);
    await outbox.enqueue([step('g1', 'good', { action: 'sign' })]);
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ b1: 'refused', g1: 'pending' });
    expect(outbox.get('b1')?.problem).toMatchObject({ status: 422, text: '缺少处置说明' });
    busy = false;
    later(29_000);
    await outbox.flush();
    expect(states(outbox).g1).toBe('pending');
    later(2_000);
    await outbox.flush();
    expect(states(outbox).g1).toBe('sent');
  });

  it('does not upload a photo twice when the first answer was lost: it finds it by its digest first', async () => {
    const server = new FakeServer((request) =>
      request.method === 'GET' ? { ok: true, result: { attachments: [{ id: 'file-1', sha256: 'sha-1' }] } } : undefined,
    );
    const { outbox } = outboxOn(server);
    await outbox.enqueue([
      {
        ...photo('p1', 'inc-a'),
        recovery: { path: '/incidents/inc-a/attachments', pointer: '/attachments', sha256: 'sha-1' },
      },
      step('s1', 'inc-a', { attachments: [{ id: resultOf('p1', '/id') }] }),
    ]);
    server.loseNextAnswer = true;
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ p1: 'pending', s1: 'pending' });
    expect(outbox.get('p1')).toMatchObject({ attempts: 1, unanswered: true });
    await outbox.flush(true);
    expect(server.arrived.map((request) => request.method)).toEqual(['POST', 'GET', 'POST']);
    expect(server.posts()[1]?.json).toEqual({ request_id: 's1', attachments: [{ id: 'file-1' }] });
  });

  it('sends a user’s items only with their own session (a shared phone)', async () => {
    const server = new FakeServer();
    const { outbox, owner } = outboxOn(server);
    await outbox.enqueue([step('a1', 'inc-a', {})]);
    owner.id = 'worker-2';
    await outbox.enqueue([step('b1', 'inc-a', {})]);
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ a1: 'pending', b1: 'sent' });
  });

  it('treats a request cut off by a closed page as possibly arrived', async () => {
    const store = new MemoryOutboxStore();
    const { outbox } = outboxOn(new FakeServer(), { store });
    await outbox.enqueue([photo('p1', 'inc-a')]);
    const cut = store.items.get('p1') as OutboxItem;
    store.items.set('p1', { ...cut, state: 'sending' });
    const reopened = outboxOn(new FakeServer(), { store }).outbox;
    await reopened.start();
    expect(reopened.get('p1')).toMatchObject({ state: 'pending', unanswered: true });
  });
});

describe('placeholders for an earlier request’s answer', () => {
  it('reads RFC 6901 pointers, escapes included, and encodes what goes into a path', () => {
    const answer = { report: { id: 'R 1/2', 'a/b': { '~x': 7 } }, list: ['zero', 'one'] };
    expect(at(answer, '/report/a~1b/~0x')).toBe(7);
    expect(at(answer, '/list/1')).toBe('one');
    expect(resolvePath(`/reports/${pathResultOf('r1', '/report/id')}/photos`, () => answer)).toBe(
      '/reports/R%201%2F2/photos',
    );
    expect(
      referencedIds(`/x/${pathResultOf('a', '/id')}`, { list: [resultOf('b', '/id')], other: { $ref: 'c' } }),
    ).toEqual(['a', 'b']);
  });

  it('refuses a request whose earlier answer lacks what it refers to, saying what is missing', async () => {
    const server = new FakeServer();
    const { outbox } = outboxOn(server);
    await outbox.enqueue([
      photo('p1', 'inc-a'),
      step('s1', 'inc-a', { attachments: [{ id: resultOf('p1', '/file/id') }] }),
    ]);
    await outbox.flush(true);
    expect(states(outbox)).toEqual({ p1: 'sent', s1: 'refused' });
    expect(outbox.get('s1')?.problem).toMatchObject({
      code: 'GL_OUTBOX_UNRESOLVED',
      text: 'no /file/id in the answer',
    });
    expect(server.posts()).toHaveLength(1);
  });
});

describe('the outbox in IndexedDB (fake-indexeddb: Node has no IndexedDB; the Chromium test uses the real one)', () => {
  it('keeps photos as Blobs across page loads', async () => {
    const factory = new IDBFactory();
    const { outbox } = outboxOn(new FakeServer(), { store: new IndexedDbOutboxStore(factory) });
    await outbox.enqueue([
      photo('p1', 'inc-a', 'the photo'),
      step('s1', 'inc-a', { attachments: [{ id: resultOf('p1', '/id') }] }),
    ]);
    const reopened = outboxOn(new FakeServer(), { store: new IndexedDbOutboxStore(factory) }).outbox;
    await reopened.start();
    expect(reopened.list().map((item) => item.id)).toEqual(['p1', 's1']);
    const body = reopened.get('p1')?.body;
    expect(body && 'blob' in body ? await body.blob.text() : undefined).toBe('the photo');
  });

  it('says the phone is full instead of losing the request', async () => {
    const factory = new IDBFactory();
    const store = new IndexedDbOutboxStore(factory);
    const { outbox } = outboxOn(new FakeServer(), { store });
    await outbox.load();
    const real = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    try {
      await expect(outbox.enqueue([photo('p1', 'inc-a')])).rejects.toBeInstanceOf(StorageFull);
    } finally {
      IDBObjectStore.prototype.put = real;
    }
    expect(outbox.list()).toEqual([]);
  });
});
