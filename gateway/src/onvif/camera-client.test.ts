import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannotRun } from '@gridlink/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from './camera-client.js';
import { parseSubscriptionGrant } from './responses.js';
import { parseXml, soapBody, type XmlNode } from './xml.js';

const captures = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/onvif/captures');
const present = existsSync(captures);
const suffix = present ? '' : ' (skipped: ../shared/onvif/captures is absent)';

interface Recorded {
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Records requests and answers each with the given XML. */
async function recordingCamera(answer: (request: Recorded) => string) {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(answer(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const header = (request: Recorded) => JSON.stringify((parseXml(request.body).Envelope as XmlNode).Header);

describe.skipIf(cannotRun('onvif-captures', !present && 'captures absent'))(
  `requests as an Axis camera needs them (an HTTP server recording requests stands in for the camera)${suffix}`,
  () => {
    it('echoes the SubscriptionId reference parameter, addresses wsa:To, and dates the UsernameToken in camera time', async () => {
      const pullAnswer = readFileSync(join(captures, 'hikvision/events/PullMessages.Response.xml'), 'utf8');
      const camera = await recordingCamera(() => pullAnswer);
      const file = join(captures, 'axis/events/CreatePullPointSubscription.Response.xml');
      const raw = readFileSync(file, 'utf8');
      const grant = parseSubscriptionGrant(soapBody(parseXml(raw)) as XmlNode, raw, 'CreatePullPointSubscription');
      const now = Date.UTC(2026, 10, 25, 14, 52, 18, 646);
      const client = new CameraClient({
        deviceServiceUrl: `${camera.url}/onvif/device_service`,
        credentials: { username: 'gridlink', password: 'camera-secret-1' },
        now: () => now,
        timeoutMs: 2000,
      });
      client.clockOffsetMs = -3_600_000; // the camera is an hour behind
      const reference = { ...grant.reference, address: `${camera.url}/onvif/services` };
      const result = await client.pullMessages(reference, 1, 10);
      expect(result.notifications).toEqual([]);

      const [request] = camera.requests;
      if (!request) throw new Error('no request reached the camera');
      expect(request.headers['content-type']).toContain(
        'action="http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest"',
      );
      expect(request.body).toMatch(
        /<s:Header>.*<dom0:SubscriptionId\s+xmlns:dom0="http:\/\/www\.axis\.com\/2009\/event">5\s*<\/dom0:SubscriptionId><\/s:Header>/s,
      );
      expect(request.body).toContain(`<wsa:To s:mustUnderstand="1">${camera.url}/onvif/services</wsa:To>`);
      expect(header(request)).toContain('2026-11-25T13:52:18.646Z');
      expect(request.body).toContain('<tev:Timeout>PT1S</tev:Timeout>');
      expect(request.body).not.toContain('camera-secret-1');
    });
  },
);

describe('subscription requests', () => {
  it('ask for the mapped topics in seconds, or for an end time in camera time', async () => {
    const grantXml = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Body><tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa:Address>http://camera/sub/1</wsa:Address></tev:SubscriptionReference><wsnt:CurrentTime>2026-11-25T13:52:18Z</wsnt:CurrentTime><wsnt:TerminationTime>2026-11-25T14:02:18Z</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse></env:Body></env:Envelope>`;
    // The subscription address is on the camera's host (any other is refused).
    const camera = await recordingCamera(() => grantXml.replace('http://camera', camera.url));
    const now = Date.UTC(2026, 10, 25, 14, 52, 18);
    const client = new CameraClient({
      deviceServiceUrl: `${camera.url}/onvif/device_service`,
      credentials: { username: 'gridlink', password: 'camera-secret-1' },
      now: () => now,
      timeoutMs: 2000,
    });
    client.clockOffsetMs = -3_600_000;
    const grant = await client.createPullPoint({ seconds: 600 }, true);
    expect(grant).toMatchObject({ reference: { address: `${camera.url}/sub/1` } });
    expect((grant.terminationTime ?? 0) - (grant.currentTime ?? 0)).toBe(600_000);
    const first = camera.requests[0]?.body ?? '';
    expect(first).toContain('<tev:InitialTerminationTime>PT600S</tev:InitialTerminationTime>');
    expect(first).toContain(
      'tns1:RuleEngine/CellMotionDetector/Motion|tns1:VideoSource/MotionAlarm|tns1:VideoSource/GlobalSceneChange/ImagingService',
    );
    await client.createPullPoint({ until: now + 600_000 }, false);
    const second = camera.requests[1]?.body ?? '';
    expect(second).toContain('<tev:InitialTerminationTime>2026-11-25T14:02:18Z</tev:InitialTerminationTime>');
    expect(second).not.toContain('wsnt:Filter');
  });
});

describe('HTTP Digest fallback', () => {
  it('answers a 401 challenge with Digest, keeps the challenge for later calls, and reads the answer', async () => {
    const info = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer><tds:Model>IPC</tds:Model><tds:FirmwareVersion>1</tds:FirmwareVersion><tds:SerialNumber>0042</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId></tds:GetDeviceInformationResponse></env:Body></env:Envelope>`;
    const statuses: number[] = [];
    const requests: Recorded[] = [];
    const server = createServer((req, res) => {
      requests.push({ headers: req.headers, body: '' });
      req.resume();
      req.on('end', () => {
        if (!req.headers.authorization) {
          statuses.push(401);
          res.writeHead(401, { 'www-authenticate': 'Digest realm="cam", qop="auth", nonce="n1", algorithm=MD5' }).end();
          return;
        }
        statuses.push(200);
        res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(info);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`;
    const client = new CameraClient({
      deviceServiceUrl: url,
      credentials: { username: 'gridlink', password: 'camera-secret-1' },
      now: Date.now,
      timeoutMs: 2000,
    });
    expect(await client.getDeviceInformation()).toMatchObject({ manufacturer: 'Acme', serialNumber: '0042' });
    await client.getDeviceInformation();
    expect(statuses).toEqual([401, 200, 200]);
    expect(requests[1]?.headers.authorization).toMatch(
      /^Digest username="gridlink", realm="cam", nonce="n1", uri="\/onvif\/device_service", response="[0-9a-f]{32}", algorithm=MD5, qop=auth, nc=00000001/,
    );
    expect(requests[2]?.headers.authorization).toContain('nc=00000002');
  });
});
