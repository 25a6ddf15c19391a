import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { endpointReferenceFor, OnvifCameraSimulator } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice, testGatewayConfig } from '../test-support.js';
import type { CameraTiming } from './camera-session.js';
import { probe } from './discovery.js';
import { OnvifModule } from './onvif-module.js';

/**
 * A rogue host on the camera LAN (127.0.0.2 here; the camera is on 127.0.0.1) tries to pass for
 * the camera: it answers WS-Discovery, announces Hello, or sits behind addresses a camera names.
 * Every test asserts the rogue received no credentials — in fact no request at all.
 */

const CAMERA = 'cam-gate-01';
const PASSWORD = 'camera-secret-1';
const ROGUE_HOST = '127.0.0.2';
const POLL = { timeout: 15_000, interval: 25 };
const FAST: Partial<CameraTiming> = {
  windowS: 60,
  pullTimeoutS: 1,
  requestTimeoutMs: 3000,
  checkIntervalMs: 60_000,
  backoff: { initialMs: 100, maxMs: 500 },
  authBackoff: { initialMs: 1000, maxMs: 5000 },
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface RogueRequest {
  url: string;
  authorization?: string;
  usernameToken: boolean;
}

/**
 * An HTTP server recording what reaches it. It asks for HTTP Digest without qop (MD5 over a nonce
 * it chose: the answer could be cracked offline) to get the most out of any client it fools.
 */
async function rogueServer(host = ROGUE_HOST) {
  const requests: RogueRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        url: req.url ?? '',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        usernameToken: body.includes('UsernameToken'),
      });
      res
        .writeHead(401, { 'www-authenticate': 'Digest realm="camera", nonce="0123456789abcdef", algorithm=MD5' })
        .end();
    });
  });
  await listen(server, host);
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return { base, xaddr: `${base}/onvif/device_service`, requests };
}

async function listen(server: Server, host: string): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

async function udpSocket(host: string, port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

const send = (socket: Socket, text: string, port: number, host: string) =>
  new Promise<void>((resolve) => socket.send(Buffer.from(text), port, host, () => resolve()));

function discoveryMessage(body: string, relatesTo?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
    `<s:Header><a:MessageID>urn:uuid:00000000-0000-4000-8000-00000000000${relatesTo ? 1 : 2}</a:MessageID>` +
    (relatesTo ? `<a:RelatesTo>${relatesTo}</a:RelatesTo>` : '') +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

const description = (xaddr: string) =>
  `<a:EndpointReference><a:Address>${endpointReferenceFor(CAMERA)}</a:Address></a:EndpointReference>` +
  `<d:Types>dn:NetworkVideoTransmitter</d:Types><d:XAddrs>${xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>`;

const probeMatches = (xaddr: string, relatesTo?: string) =>
  discoveryMessage(`<d:ProbeMatches><d:ProbeMatch>${description(xaddr)}</d:ProbeMatch></d:ProbeMatches>`, relatesTo);

const messageIdOf = (datagram: Buffer) => /<a:MessageID>([^<]+)<\/a:MessageID>/.exec(datagram.toString())?.[1];

/**
 * The camera LAN as the gateway's unicast Probe meets it: the Probe goes to the camera's
 * WS-Discovery port (relayed here, answers relayed back from the camera's address), and the rogue
 * sees it too, as it would a multicast Probe, and may answer first — from a socket on the camera's
 * own address, as a forged UDP source would.
 */
async function cameraLan(camera: OnvifCameraSimulator) {
  const tap = await udpSocket('127.0.0.1');
  const spoofer = await udpSocket('127.0.0.1');
  let gateway: RemoteInfo | undefined;
  const lan = {
    port: tap.address().port,
    onProbe: undefined as ((messageId: string | undefined, gateway: RemoteInfo) => Promise<void>) | undefined,
    /** Sends a datagram from the camera's address (a forged source). */
    spoof: (text: string, to: RemoteInfo) => send(spoofer, text, to.port, to.address),
  };
  tap.on('message', (datagram, remote) => {
    if (remote.port === camera.discoveryPort) {
      if (gateway) void send(tap, datagram.toString(), gateway.port, gateway.address);
      return;
    }
    gateway = remote;
    void (async () => {
      await lan.onProbe?.(messageIdOf(datagram), remote);
      await send(tap, datagram.toString(), camera.discoveryPort, '127.0.0.1');
    })();
  });
  return lan;
}

async function startCamera(options: { announceTo?: number } = {}) {
  const camera = new OnvifCameraSimulator({
    id: CAMERA,
    username: 'admin',
    password: PASSWORD,
    ...(options.announceTo ? { announceTo: [{ host: '127.0.0.1', port: options.announceTo }] } : {}),
  });
  await camera.start();
  cleanups.push(() => camera.stop());
  return camera;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function startGateway(camera: Record<string, unknown>, options: { helloPort?: number; push?: boolean } = {}) {
  const config = testGatewayConfig({
    onvif: {
      enabled: true,
      cameras: [{ id: CAMERA, username: 'admin', password_env: 'CAM_PASSWORD', ...camera }],
      discovery: { multicast: false, listen_hello: options.helloPort !== undefined, timeout_ms: 300 },
      ...(options.push ? { notify: { enabled: true, host: '127.0.0.1', port: 0 } } : {}),
    },
  });
  const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const delivered: { kind: string; type?: string; payload: Record<string, unknown> }[] = [];
  const onvif = new OnvifModule({
    config,
    directory: new InMemoryDirectory([await testDevice(CAMERA, 'onvif_camera', 'unused-mqtt-password')]),
    sink: {
      state: async (_device, payload) => {
        delivered.push({ kind: 'state', payload });
        return true;
      },
      event: async (_device, type, payload) => {
        delivered.push({ kind: 'event', type, payload });
        return true;
      },
    },
    logger,
    env: { CAM_PASSWORD: PASSWORD },
    timing: FAST,
    ...(options.helloPort ? { helloPort: options.helloPort } : {}),
  });
  await onvif.start();
  cleanups.push(() => onvif.stop());
  const health = () => onvif.cameraHealth()[0];
  const events = (type: string) => delivered.filter((entry) => entry.kind === 'event' && entry.type === type);
  const logged = (pattern: RegExp) =>
    lines.filter((line) => pattern.test(line.msg) || pattern.test(line.err?.message ?? ''));
  return { onvif, health, events, logged };
}

const noCredentials = (requests: RogueRequest[]) => ({
  authorization: requests.filter((r) => r.authorization !== undefined).length,
  usernameToken: requests.filter((r) => r.usernameToken).length,
  requests: requests.length,
});
const NOTHING = { authorization: 0, usernameToken: 0, requests: 0 };

describe('a rogue answering WS-Discovery for a camera', () => {
  it('attack: unsolicited ProbeMatches without RelatesTo are not taken as answers to a Probe', async () => {
    const responder = await udpSocket('127.0.0.1');
    responder.on('message', (_datagram, remote) => {
      void send(responder, probeMatches('http://127.0.0.1:1/onvif/device_service'), remote.port, remote.address);
    });
    const found = await probe({ targets: [{ host: '127.0.0.1', port: responder.address().port }], timeoutMs: 300 });
    expect(found).toEqual([]);
  });

  it('attack: a ProbeMatch without RelatesTo from a forged camera source gets no credentials; the real camera onboards', async () => {
    const rogue = await rogueServer();
    const camera = await startCamera();
    const lan = await cameraLan(camera);
    lan.onProbe = (_id, gateway) => lan.spoof(probeMatches(rogue.xaddr), gateway);
    const { health } = await startGateway({ probe: `127.0.0.1:${lan.port}` });
    await expect.poll(() => rogue.requests.length > 0 || health()?.subscribed, POLL).toBe(true);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(health()).toMatchObject({ authenticated: true, subscribed: true });
    expect(camera.subscriptions()).toHaveLength(1);
  });

  it('attack: a ProbeMatch echoing the sniffed MessageID from a forged camera source cannot point the gateway at another host', async () => {
    const rogue = await rogueServer();
    const camera = await startCamera();
    const lan = await cameraLan(camera);
    lan.onProbe = (id, gateway) => lan.spoof(probeMatches(rogue.xaddr, id), gateway);
    const { health, logged } = await startGateway({ probe: `127.0.0.1:${lan.port}` });
    await expect.poll(() => rogue.requests.length > 0 || health()?.subscribed, POLL).toBe(true);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(health()).toMatchObject({ authenticated: true, subscribed: true });
    expect(logged(/naming addresses off its host 127\.0\.0\.1 were ignored/)).not.toHaveLength(0);
  });

  it('attack: a forged Hello naming the camera at a rogue address does not move it (and then a rogue ProbeMatch cannot either)', async () => {
    const helloPort = await freeUdpPort();
    const rogue = await rogueServer();
    const camera = await startCamera({ announceTo: helloPort });
    const lan = await cameraLan(camera);
    const { health, events } = await startGateway({ probe: `127.0.0.1:${lan.port}` }, { helloPort });
    await expect.poll(() => health(), POLL).toMatchObject({ authenticated: true, subscribed: true });
    // From now on the rogue answers every Probe first, then announces the camera at its own address.
    lan.onProbe = (id, gateway) => lan.spoof(probeMatches(rogue.xaddr, id), gateway);
    const announcer = await udpSocket(ROGUE_HOST);
    await send(announcer, discoveryMessage(`<d:Hello>${description(rogue.xaddr)}</d:Hello>`), helloPort, '127.0.0.1');
    // Events keep coming from the real camera, on the subscription made before the Hello.
    camera.setTamper(true);
    await expect.poll(() => rogue.requests.length > 0 || events('tamper').length === 1, POLL).toBe(true);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(events('tamper')).toHaveLength(1);
    expect(health()).toMatchObject({ authenticated: true, subscribed: true });
  });
});

/**
 * The camera at its approved address, behind a proxy (every address the camera names is rewritten
 * to the proxy's, so every call passes it) that rewrites one answer to name the rogue host instead
 * (a compromised or hostile camera, or someone in the middle).
 */
async function cameraNaming(rewritten: RegExp, rogueBase: string) {
  const camera = await startCamera();
  const target = new URL(camera.deviceServiceUrl);
  const requests: string[] = [];
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(body.toString('utf8'));
      const forward = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const action = String(req.headers['content-type'] ?? '');
            const text = Buffer.concat(parts)
              .toString('utf8')
              .replaceAll(`http://${target.host}`, rewritten.test(action) ? rogueBase : base);
            const { 'transfer-encoding': _chunked, ...headers } = answer.headers;
            headers['content-length'] = String(Buffer.byteLength(text));
            res.writeHead(answer.statusCode ?? 502, headers).end(text);
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await listen(proxy, '127.0.0.1');
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return { camera, xaddr: `${base}/onvif/device_service`, requests };
}

describe('a camera naming addresses on another host (SSRF with the camera credentials)', () => {
  it('attack: service addresses on another host are refused, naming the camera and the URL', async () => {
    const rogue = await rogueServer();
    const { xaddr } = await cameraNaming(/GetServices|GetCapabilities/, rogue.base);
    const { health } = await startGateway({ xaddr });
    await expect.poll(() => rogue.requests.length > 0 || /named its/.test(health()?.error ?? ''), POLL).toBe(true);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(health()?.error).toContain(`camera ${CAMERA} named its`);
    expect(health()?.error).toContain(rogue.base);
    expect(health()).toMatchObject({ subscribed: false });
  });

  it('attack: a snapshot URI on another host is never fetched; the event goes without a snapshot', async () => {
    const rogue = await rogueServer();
    const { camera, xaddr } = await cameraNaming(/GetSnapshotUri/, rogue.base);
    const { health, events, logged } = await startGateway({ xaddr });
    await expect.poll(() => health(), POLL).toMatchObject({ authenticated: true, subscribed: true });
    camera.setMotion(true);
    await expect.poll(() => events('motion'), POLL).toHaveLength(1);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(events('motion')[0]?.payload).not.toHaveProperty('snapshot_ref');
    expect(logged(new RegExp(`named the snapshot URI ${rogue.base}`))).not.toHaveLength(0);
  });

  it('attack: a subscription address on another host is never called', async () => {
    const rogue = await rogueServer();
    const { xaddr } = await cameraNaming(/CreatePullPointSubscription/, rogue.base);
    const { health, logged } = await startGateway({ xaddr, events: 'pullpoint' });
    const refused = () => logged(new RegExp(`named the subscription address ${rogue.base}`)).length > 0;
    await expect.poll(() => rogue.requests.length > 0 || refused(), POLL).toBe(true);
    expect(noCredentials(rogue.requests)).toEqual(NOTHING);
    expect(health()).toMatchObject({ authenticated: true, subscribed: false });
  });
});

describe('a camera offering weak HTTP Digest', () => {
  it('attack: Digest without qop (MD5 over a nonce the server chose, crackable offline) gets no answer', async () => {
    const weak = await rogueServer('127.0.0.1');
    const { health, logged } = await startGateway({ xaddr: weak.xaddr });
    await expect.poll(() => health()?.error, POLL).toBeDefined();
    // It was asked the time (anonymously, as the standard allows), and got nothing else.
    expect(weak.requests.length).toBeGreaterThan(0);
    expect(noCredentials(weak.requests)).toMatchObject({ authorization: 0, usernameToken: 0 });
    expect(health()?.error).toMatch(/HTTP Digest without qop=auth/);
    expect(health()).toMatchObject({ authenticated: false, subscribed: false });
    expect(logged(/HTTP Digest without qop=auth/)).not.toHaveLength(0);
  });
});

describe('push notifications from a rogue', () => {
  it('attack: a Notify on the camera URL from another host is refused (no fake tamper alert)', async () => {
    const { camera, xaddr, requests } = await cameraNaming(/^$/, '');
    const { health, events, onvif } = await startGateway({ xaddr, events: 'push' }, { push: true });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
    // The rogue learnt the consumer URL (it travels in clear HTTP on the LAN).
    const consumer = requests
      .map((body) => /<wsa:Address>(http:[^<]+\/onvif\/notify\/[^<]+)<\/wsa:Address>/.exec(body)?.[1])
      .find((url) => url !== undefined) as string;
    expect(consumer).toMatch(/\/onvif\/notify\/cam-gate-01\//);
    const status = await postNotify(consumer, ROGUE_HOST);
    expect(status).toBe(404);
    expect(onvif.stats().notify.refused).toBe(1);
    // The camera's own Notify still arrives (from its pinned address).
    camera.setMotion(true);
    await expect.poll(() => events('motion'), POLL).toHaveLength(1);
    expect(events('tamper')).toEqual([]);
  });
});

const TAMPER_NOTIFY =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
  'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tns1="http://www.onvif.org/ver10/topics">' +
  '<s:Body><wsnt:Notify><wsnt:NotificationMessage>' +
  '<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/TamperDetector/Tamper</wsnt:Topic>' +
  '<wsnt:Message><tt:Message UtcTime="2026-01-01T00:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="VideoSource_1"/></tt:Source>' +
  '<tt:Data><tt:SimpleItem Name="IsTamper" Value="true"/></tt:Data></tt:Message></wsnt:Message>' +
  '</wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>';

function postNotify(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/soap+xml; charset=utf-8' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(TAMPER_NOTIFY);
  });
}
