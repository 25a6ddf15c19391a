import iconv from 'iconv-lite';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsoleGateway } from './console-test-support.js';

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

async function start(
  devices?: NonNullable<Parameters<typeof startConsoleGateway>[0]>['devices'],
  options: Omit<NonNullable<Parameters<typeof startConsoleGateway>[0]>, 'devices'> = {},
) {
  const started = await startConsoleGateway({ ...options, ...(devices ? { devices } : {}) });
  running.push(started);
  const cookie = await started.signIn(started.installer.username, started.installer.password);
  const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
    fetch(`${started.base}/api/console/${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined
        ? { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }
        : {}),
    });
  return { ...started, cookie, call };
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
const read = (response: Response): Promise<any> => response.json();

/** A 2,000-row import file; rows in `bad` name a kind no profile has. */
function communityCsv(rows: number, bad: ReadonlySet<number> = new Set()): string {
  const lines = ['id,kind,building,unit,floor,room,notes,tags'];
  for (let i = 0; i < rows; i++) {
    lines.push(`smoke-${i},${bad.has(i) ? 'smoke_detectr' : 'smoke_detector'},3,2,${i % 30},${i},厨房,elderly_alone`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('the console’s device management API', () => {
  it('adds one device, issues its password once, names each bad field, and audits who added it', async () => {
    const { call, registry } = await start();
    const added = await call('POST', 'devices', {
      id: 'gas-b3-u2-0401',
      kind: 'gas_detector',
      building: '3',
      unit: '2',
      floor: '4',
      room: '401',
      tags: ['elderly_alone'],
    });
    expect(added.status).toBe(200);
    const { issued } = await read(added);
    expect(issued[0].password).toMatch(/^[\w-]{20,}$/);
    expect(issued[0].device).toMatchObject({
      id: 'gas-b3-u2-0401',
      place: { community: '320803001001', building: '3', unit: '2', floor: 4, room: '401' },
      tags: ['elderly_alone'],
    });
    expect(registry.get('gas-b3-u2-0401')?.status).toBe('active');

    const bad = await call('POST', 'devices', { id: 'Bad Id', kind: 'gas_detectr', floor: 'four' });
    expect(bad.status).toBe(400);
    const refusal = await read(bad);
    expect(refusal.issues.map((issue: { field: string }) => issue.field).sort()).toEqual(['floor', 'id', 'kind']);
    expect(refusal.issues.find((issue: { field: string }) => issue.field === 'kind').message).toContain('gas_detector');
    const again = await read(await call('POST', 'devices', { id: 'gas-b3-u2-0401', kind: 'gas_detector' }));
    expect(again.issues).toEqual([{ field: 'id', message: 'device gas-b3-u2-0401 already exists' }]);

    expect(registry.auditLog().map((entry) => [entry.action, entry.target])).toEqual([
      ['device.add', 'gas-b3-u2-0401'],
      ['login', undefined],
    ]);
    expect(JSON.stringify(registry.auditLog())).not.toContain(issued[0].password);
  });

  it('previews a 2,000-row file with 30 errors: all 30 shown, nothing written; applies it once fixed', async () => {
    const { call, registry } = await start([]);
    const bad = new Set(Array.from({ length: 30 }, (_, i) => 17 + i * 65));
    const preview = await read(await call('POST', 'device-import/preview', communityCsv(2000, bad), 'text/csv'));
    expect(preview).toMatchObject({ encoding: 'utf-8', rows: 2000, badRows: 30, devices: [] });
    expect(preview.issues).toHaveLength(30);
    expect(preview.issues.map((issue: { line: number }) => issue.line)).toEqual([...bad].map((i) => i + 2));
    expect(preview.issues[0]).toMatchObject({ column: 'kind', code: 'invalid' });

    // The server checks again on apply: the broken file is refused whole.
    const refused = await call('POST', 'device-import/apply', communityCsv(2000, bad), 'text/csv');
    expect(refused.status).toBe(400);
    expect((await read(refused)).issues).toHaveLength(30);
    expect(registry.list()).toEqual([]);

    const clean = await read(await call('POST', 'device-import/preview', communityCsv(2000), 'text/csv'));
    expect(clean.issues).toEqual([]);
    expect(clean.devices).toHaveLength(2000);
    expect(registry.list()).toEqual([]);
    // Applied on a tenth of the file: each password is an scrypt hash, about 40 ms of a core apiece.
    const applied = await call('POST', 'device-import/apply', communityCsv(200), 'text/csv');
    expect(applied.status).toBe(200);
    const { issued } = await read(applied);
    expect(issued).toHaveLength(200);
    expect(new Set(issued.map((i: { password: string }) => i.password)).size).toBe(200);
    expect(registry.list({ status: 'active' })).toHaveLength(200);
    expect(registry.get('smoke-7')?.place).toEqual({
      community: '320803001001',
      building: '3',
      unit: '2',
      floor: 7,
      room: '7',
    });
    expect(registry.auditLog(1)[0]).toMatchObject({ action: 'device.import', username: 'installer-1' });
  }, 30_000);

  it('reads a GBK file as a Chinese Excel saves it, and serves a template to start from', async () => {
    const { call, registry } = await start([]);
    const gbk = iconv.encode('id,kind,building,notes\r\nsmoke-1,smoke_detector,3,三号楼厨房\r\n', 'gbk');
    const preview = await read(await call('POST', 'device-import/preview', new Uint8Array(gbk), 'text/csv'));
    expect(preview.encoding).toBe('gb18030');
    expect(preview.devices[0].notes).toBe('三号楼厨房');
    await call('POST', 'device-import/apply', new Uint8Array(gbk), 'text/csv');
    expect(registry.get('smoke-1')?.notes).toBe('三号楼厨房');

    const template = await call('GET', 'device-import/template.csv');
    expect(template.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await template.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFFid,kind,community,grid,building,unit,floor,room,notes,tags\r\n')).toBe(true);
    // The template's examples import as they are.
    const checked = await read(await call('POST', 'device-import/preview', text, 'text/csv'));
    expect(checked.issues).toEqual([]);
  });

  it('refuses an import over 1 MiB', async () => {
    const { call } = await start([]);
    const response = await call('POST', 'device-import/preview', communityCsv(20_000), 'text/csv');
    expect(response.status).toBe(400);
    expect((await read(response)).detail).toContain('1024 KiB');
  });

  it('replaces a device: the old one retired with a link, the new one in its place with its own password', async () => {
    const { call, registry, devices } = await start([
      { id: 'smoke-b3-0401', kind: 'smoke_detector', building: '3', unit: '2', tags: ['elderly_alone'] },
    ]);
    const old = devices[0]?.device.id ?? '';
    const response = await call('POST', `devices/${old}/replace`, { id: 'smoke-b3-0401-2', reason: 'sensor cracked' });
    expect(response.status).toBe(200);
    const answer = await read(response);
    expect(answer.issued[0].password).toMatch(/^[\w-]{20,}$/);
    expect(answer.issued[0].device).toMatchObject({
      id: 'smoke-b3-0401-2',
      kind: 'smoke_detector',
      place: { building: '3', unit: '2' },
      tags: ['elderly_alone'],
    });
    expect(registry.get(old)).toMatchObject({ status: 'retired', replacedBy: 'smoke-b3-0401-2' });
    expect((await read(await call('GET', 'devices/smoke-b3-0401-2'))).replaces).toBe(old);
    const twice = await call('POST', `devices/${old}/replace`, { id: 'smoke-b3-0401-3' });
    expect(twice.status).toBe(409);
    const taken = await read(await call('POST', 'devices/smoke-b3-0401-2/replace', { id: 'smoke-b3-0401-2' }));
    expect(taken.issues[0].field).toBe('id');
    expect(registry.auditLog(1)[0]).toMatchObject({
      action: 'device.replace',
      target: old,
      detail: 'by smoke-b3-0401-2: sensor cracked',
    });
  });

  it('shows a device’s messages, dead letters with the exact error and availability, and sends a command its profile allows', async () => {
    const { call, gateway, devices, registry } = await start([
      { id: 'door-b3-0401', kind: 'access_control', building: '3' },
    ]);
    const issued = devices[0];
    if (!issued) throw new Error('no device');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: issued.device.id,
      username: issued.device.id,
      password: issued.password,
      reconnectPeriod: 0,
    });
    try {
      const received: string[] = [];
      client.on('message', (_topic, payload) => received.push(payload.toString()));
      await client.subscribeAsync(`gridlink/${issued.device.id}/set`, { qos: 1 });
      await client.publishAsync(`gridlink/${issued.device.id}`, JSON.stringify({ door: 'closed' }), { qos: 1 });
      await client.publishAsync(`gridlink/${issued.device.id}`, JSON.stringify({ door: 'ajar' }), { qos: 1 });

      const page = async () => read(await call('GET', `devices/${issued.device.id}`));
      await expect.poll(async () => (await page()).activity.availability.length).toBe(1);
      const shown = await page();
      expect(shown.device).toMatchObject({ id: issued.device.id, availability: 'online' });
      expect(shown.activity.messages[0]).toMatchObject({ type: 'state', body: '{"door":"closed"}' });
      expect(shown.activity.deadLetters[0].topic).toBe(`gridlink/${issued.device.id}`);
      expect(shown.activity.deadLetters[0].error).toContain('door');
      expect(shown.activity.availability[0]).toMatchObject({ state: 'online', reason: 'connected' });
      expect(shown.activity.dropped).toEqual({ messages: 0, deadLetters: 0, availability: 0 });
      expect(shown.commands[0]).toMatchObject({
        command: 'door',
        fields: [
          { name: 'door', type: 'string', required: true, options: ['release', 'lock'] },
          { name: 'duration_s', type: 'integer', required: false, minimum: 1, maximum: 3600 },
        ],
      });

      const sent = await call('POST', `devices/${issued.device.id}/command`, {
        command: { door: 'release', duration_s: 30 },
      });
      expect(sent.status).toBe(200);
      await expect.poll(() => received).toEqual(['{"door":"release","duration_s":30}']);
      const refused = await call('POST', `devices/${issued.device.id}/command`, {
        command: { door: 'release', duration_s: 99_999 },
      });
      expect(refused.status).toBe(400);
      expect((await read(refused)).detail).toContain('duration_s');
      expect(received).toHaveLength(1);
      expect(registry.auditLog(1)[0]).toMatchObject({
        action: 'device.command',
        target: issued.device.id,
        detail: '{"door":"release","duration_s":30}',
      });
    } finally {
      await client.endAsync(true);
    }
    expect((await call('GET', 'devices/nope')).status).toBe(404);
  });

  it('keeps a device’s page within its bytes and says how many older messages it dropped', async () => {
    const { call, gateway, devices } = await start([{ id: 'th-b3-0401', kind: 'temp_humidity', building: '3' }], {
      console: { history: { deviceBytes: 1_000 } },
    });
    const issued = devices[0];
    if (!issued) throw new Error('no device');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: issued.device.id,
      username: issued.device.id,
      password: issued.password,
      reconnectPeriod: 0,
    });
    try {
      for (let i = 0; i < 20; i++) {
        const reading = { temperature: 20 + i / 10, humidity: 40 + i, battery: 90, rssi: -60 };
        await client.publishAsync(`gridlink/${issued.device.id}`, JSON.stringify(reading), { qos: 1 });
      }
      const activity = async () => (await read(await call('GET', `devices/${issued.device.id}`))).activity;
      await expect
        .poll(async () => {
          const { messages, dropped } = await activity();
          return messages.length + dropped.messages;
        })
        .toBe(20);
      const { messages, dropped } = await activity();
      // ~160 bytes a reading: 1,000 bytes keep the latest few.
      expect(messages.length).toBeGreaterThan(1);
      expect(messages.length).toBeLessThanOrEqual(6);
      expect(JSON.parse(messages[0].body)).toMatchObject({ humidity: 59 });
      expect(dropped.messages).toBe(20 - messages.length);
    } finally {
      await client.endAsync(true);
    }
  });
});
