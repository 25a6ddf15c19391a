import { beforeAll, describe, expect, it } from 'vitest';
import { login, signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID_A = '320803001001001';
const GRID_B = '320803001001002';

/** The first bytes of each accepted kind, enough for sniffing; the rest is filler. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo before the work')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('after')]);
const PDF = Buffer.from('%PDF-1.7\na report of the unit\n%%EOF\n');

interface Stored {
  id: string;
  uri: string;
  media_type: string;
  tag: string | null;
  name: string;
  size_bytes: number;
  url: string;
}

/**
 * Photos and documents of incident steps over HTTP, and who may upload and read them: uploading
 * needs a role that may take a step of the incident now; reading, that the incident is visible
 * (exactly as GET /incidents/{id}), otherwise "not found". A step that requires tagged photos (a
 * self-handled incident is closed on photos before and after the work) is completed with uploads.
 */
describe.each(BACKENDS)('incident attachments (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  let selfHandled = '';
  let other = '';

  const upload = async (
    who: string | undefined,
    incident: string,
    body: Uint8Array,
    options: { type?: string; tag?: string; name?: string } = {},
  ) => {
    const query = new URLSearchParams({
      ...(options.tag ? { tag: options.tag } : {}),
      ...(options.name ? { name: options.name } : {}),
    });
    const response = await fetch(`${cloud().url}/api/v1/incidents/${incident}/attachments?${query}`, {
      method: 'POST',
      headers: {
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
        'content-type': options.type ?? 'image/jpeg',
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Stored & Record<string, unknown> };
  };
  const download = (path: string, who?: string) =>
    fetch(`${cloud().url}${path}`, { headers: who ? { authorization: `Bearer ${tokens[who]}` } : {} });
  const act = (who: string, incident: string, body: Record<string, unknown>) =>
    api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, { token: tokens[who] as string, body });

  beforeAll(async () => {
    const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
      token: TEST_ADMIN_TOKEN,
      body: {
        id: 'unit-road',
        name_zh: '市政养护',
        name_en: 'Roads',
        unit_type: 'municipal',
        territory_code: '320803',
      },
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A }],
      'worker-b': [{ role: 'grid_worker', scope: GRID_B }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
      unit: [{ role: 'disposal_unit', scope: 'unit-road' }],
      callback: [{ role: 'callback_agent', scope: '320803' }],
      nobody: [],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      tokens[name] = (await signedIn(cloud(), name, [...roles], '320803')).token;
    }
    const report = async (request: string) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens['worker-a'] as string,
        body: {
          request_id: request,
          source: 'patrol',
          category: 'urban_management.manhole_cover',
          title: '井盖破损',
          community: COMMUNITY,
          grid: GRID_A,
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id;
    };
    selfHandled = await report('att-1');
    other = await report('att-2');
    for (const id of [selfHandled, other]) {
      expect((await act('worker-a', id, { action: 'selfHandle', request_id: `self-${id}` })).status).toBe(200);
    }
  }, 60_000);

  it('refuses every route without a session (401)', async () => {
    expect((await upload(undefined, selfHandled, JPEG)).status).toBe(401);
    expect((await api(cloud(), 'GET', `/api/v1/incidents/${selfHandled}/attachments`)).status).toBe(401);
    expect((await download('/api/v1/attachments/0b6f7b1e-3c1d-4f5e-9a47-2f0c2d8e4a10')).status).toBe(401);
  });

  it('takes uploads from the roles that may act on the incident, and hides it from everyone else', async () => {
    const made = await upload('worker-a', selfHandled, JPEG, { tag: 'before', name: '现场照片.jpg' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      uri: `/api/v1/attachments/${made.body.id}`,
      media_type: 'image/jpeg',
      tag: 'before',
      name: '现场照片.jpg',
      size_bytes: JPEG.byteLength,
    });
    expect((await upload('property', selfHandled, PNG, { type: 'image/png', tag: 'after' })).status).toBe(201);
    expect((await upload('operator', selfHandled, PDF, { type: 'application/pdf' })).status).toBe(201);
    for (const who of ['worker-b', 'unit', 'callback', 'nobody']) {
      const refused = await upload(who, selfHandled, JPEG);
      expect(refused.status, who).toBe(404);
      expect(refused.body.code).toBe('GL_INCIDENT_NOT_FOUND');
    }
    const { rows } = await cloud().db.query<{ details: { attachment: string; tag?: string } }>(
      "SELECT details FROM audit_log WHERE target = $1 AND action = 'attachment.upload' ORDER BY at",
      [`incident:${selfHandled}`],
    );
    expect(rows.map((row) => row.details.tag ?? null)).toEqual(['before', 'after', null]);
  });

  it('sniffs the content: a type it is not, or none accepted, is 415 naming Content-Type', async () => {
    const text = await upload('worker-a', selfHandled, Buffer.from('hello'), { type: 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ code: 'GL_UNSUPPORTED_MEDIA_TYPE', errors: [{ parameter: 'Content-Type' }] });
    const claimed = await upload('worker-a', selfHandled, JPEG, { type: 'image/png' });
    expect(claimed.status).toBe(415);
    expect(claimed.body.detail).toBe('声明的类型为 image/png，实际内容为 image/jpeg，请按 image/jpeg 上传');
    const html = await upload('worker-a', selfHandled, Buffer.from('<script>alert(1)</script>'));
    expect(html.status).toBe(415);
    const empty = await upload('worker-a', selfHandled, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    const badTag = await upload('worker-a', selfHandled, JPEG, { tag: 'Before!' });
    expect(badTag.body).toMatchObject({ status: 400, errors: [{ parameter: 'tag' }] });
    const badName = await upload('worker-a', selfHandled, JPEG, { name: '../etc/passwd' });
    expect(badName.body).toMatchObject({ status: 400, errors: [{ parameter: 'name' }] });
  });

  it('refuses a file over the limit with 413 naming the limit', async () => {
    const big = Buffer.concat([JPEG, Buffer.alloc(10 * 1024 * 1024)]);
    const refused = await upload('worker-a', selfHandled, big);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ code: 'GL_BODY_TOO_LARGE' });
    expect(refused.body.detail).toBe('附件最大 10485760 字节（10 MiB）');
  });

  it('serves a file with its type, disposition and nosniff to those who may see the incident, audited', async () => {
    const listed = await api<{ attachments: Stored[] }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${selfHandled}/attachments`,
      {
        token: tokens.property as string,
      },
    );
    expect(listed.status).toBe(200);
    const [photo, , pdf] = listed.body.attachments as [Stored, Stored, Stored];
    const served = await download(photo.uri, 'worker-a');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toBe(
      `inline; filename="____.jpg"; filename*=UTF-8''${encodeURIComponent('现场照片.jpg')}`,
    );
    expect(Buffer.from(await served.arrayBuffer()).equals(JPEG)).toBe(true);
    const document = await download(pdf.uri, 'operator');
    expect(document.headers.get('content-disposition')).toMatch(/^attachment; filename="attachment.pdf"/);
    expect((await download(photo.uri, 'property')).status).toBe(200);
    for (const who of ['worker-b', 'unit', 'callback', 'nobody']) {
      expect((await download(photo.uri, who)).status, who).toBe(404);
      expect(
        (await api(cloud(), 'GET', `/api/v1/incidents/${selfHandled}/attachments`, { token: tokens[who] as string }))
          .status,
        who,
      ).toBe(404);
    }
    expect((await download('/api/v1/attachments/0b6f7b1e-3c1d-4f5e-9a47-2f0c2d8e4a10', 'worker-a')).status).toBe(404);
    expect((await download('/api/v1/attachments/not-a-uuid', 'worker-a')).status).toBe(404);
    // The signed link a page puts in <img src> works without a bearer token; a tampered one does not.
    expect((await download(photo.url)).status).toBe(200);
    // A character in the middle of the signature: every bit of it counts (the last character's
    // spare bits do not, and the exact text is what is compared, so changing them fails as well).
    const signature = photo.url.slice(photo.url.lastIndexOf('.') + 1);
    const middle = Math.floor(signature.length / 2);
    const flipped = `${signature.slice(0, middle)}${signature[middle] === 'A' ? 'B' : 'A'}${signature.slice(middle + 1)}`;
    expect((await download(`${photo.url.slice(0, photo.url.lastIndexOf('.') + 1)}${flipped}`)).status).toBe(401);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The same bytes spelt differently: the lowest (spare) bit of the last character changed.
    const lastBitsOnly = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(signature.at(-1) as string) ^ 1]}`;
    expect((await download(`${photo.url.slice(0, photo.url.lastIndexOf('.') + 1)}${lastBitsOnly}`)).status).toBe(401);
    expect((await download(`${pdf.uri}?access=${photo.url.split('access=')[1]}`)).status).toBe(401);
    const { rows } = await cloud().db.query(
      "SELECT 1 FROM audit_log WHERE target = $1 AND action = 'attachment.download'",
      [`incident:${selfHandled}`],
    );
    expect(rows.length).toBe(4); // worker-a, operator, property, the signed link
  });

  it('completes a step that requires tagged photos with uploaded ones, and only this incident’s', async () => {
    const listed = await api<{ attachments: Stored[] }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${selfHandled}/attachments`,
      {
        token: tokens['worker-a'] as string,
      },
    );
    const [before, after] = listed.body.attachments as [Stored, Stored];
    const elsewhere = await upload('worker-a', other, PNG, { type: 'image/png', tag: 'after' });
    const close = (request: string, attachments?: unknown[]) =>
      act('worker-a', selfHandled, { action: 'close', request_id: request, ...(attachments ? { attachments } : {}) });

    const none = await close('c1');
    expect(none.body).toMatchObject({ status: 400, code: 'GL_VALIDATION_FAILED' });
    expect(none.body.detail).toBe('此操作需要附上照片：处置前、处置后');
    const english = await api(cloud(), 'POST', `/api/v1/incidents/${selfHandled}/transitions`, {
      token: tokens['worker-a'] as string,
      headers: { 'accept-language': 'en' },
      body: { action: 'close', request_id: 'c2', attachments: [{ id: before.id }] },
    });
    expect((english.body as { detail: string }).detail).toMatch(/needs attachments tagged after$/);
    const foreign = await close('c3', [{ id: before.id }, { id: elsewhere.body.id }]);
    expect(foreign.body).toMatchObject({ status: 400, errors: [{ pointer: '/attachments/1/id' }] });

    const closed = await close('c4', [{ id: before.id }, { id: after.id }]);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({
      incident: { state: 'CLOSED' },
      step: {
        attachments: [
          { uri: before.uri, media_type: 'image/jpeg', tag: 'before', name: '现场照片.jpg' },
          { uri: after.uri, media_type: 'image/png', tag: 'after', name: 'after.png' },
        ],
      },
    });
    // Closed: the grid worker still sees it but takes no step, so brings no more files; the
    // callback agent now sees it and may act.
    expect((await upload('worker-a', selfHandled, JPEG)).status).toBe(403);
    expect((await download(before.uri, 'callback')).status).toBe(200);
    expect((await upload('callback', selfHandled, JPEG, { tag: 'callback' })).status).toBe(201);
  });

  it('attack: a signed attachment link keeps working after logout', async () => {
    const session = await login(cloud(), 'worker-a');
    const listed = await api<{ attachments: Stored[] }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${selfHandled}/attachments`,
      {
        token: session,
      },
    );
    const link = (listed.body.attachments[0] as Stored).url;
    expect((await download(link)).status).toBe(200);
    // A refresh rotates the token but keeps the session: its links go on working.
    const refreshed = await api<{ token: string }>(cloud(), 'POST', '/api/v1/sessions/refresh', { token: session });
    expect(refreshed.status).toBe(200);
    expect((await download(link)).status).toBe(200);
    expect((await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token: refreshed.body.token })).status).toBe(
      204,
    );
    const after = await download(link);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { code: string }).code).toBe('GL_UNAUTHENTICATED');
  });

  it('attack: an attachment named with U+202E and .html is saved and served as what it is', async () => {
    const made = await upload('worker-a', other, PNG, { type: 'image/png', name: 'invoice\u202Egnp.html' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.name).toBe('invoicegnp.html.png');
    const served = await download(made.body.uri, 'worker-a');
    expect(served.headers.get('content-disposition')).toBe(
      `inline; filename="invoicegnp.html.png"; filename*=UTF-8''invoicegnp.html.png`,
    );
    // A name stored before names were made safe is served safe all the same.
    await cloud().db.query('UPDATE attachments SET name = $2 WHERE id = $1', [made.body.id, 'x\u200F\u202Ejpg.exe']);
    const listed = await api<{ attachments: Stored[] }>(cloud(), 'GET', `/api/v1/incidents/${other}/attachments`, {
      token: tokens['worker-a'] as string,
    });
    expect(listed.body.attachments.find((a) => a.id === made.body.id)?.name).toBe('xjpg.exe.png');
    expect((await download(made.body.uri, 'worker-a')).headers.get('content-disposition')).toMatch(
      /filename="xjpg\.exe\.png"; filename\*=UTF-8''xjpg\.exe\.png$/,
    );
  });
});
