import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCertificates } from '@gridlink/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from './camera-client.js';
import { cameraTls } from './camera-tls.js';

const DEVICE_INFORMATION =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body><tds:GetDeviceInformationResponse>' +
  '<tds:Manufacturer>Test</tds:Manufacturer><tds:Model>M1</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>' +
  '<tds:SerialNumber>SN1</tds:SerialNumber><tds:HardwareId>H1</tds:HardwareId>' +
  '</tds:GetDeviceInformationResponse></s:Body></s:Envelope>';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** An HTTPS server on loopback with the given certificate, recording every request it gets. */
async function httpsCamera(certificate: { cert: string; key: string }) {
  const requests: string[] = [];
  const server = createServer(
    { cert: readFileSync(certificate.cert), key: readFileSync(certificate.key) },
    (req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push(body);
        res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(DEVICE_INFORMATION);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`, requests };
}

const client = (url: string, tls: ReturnType<typeof cameraTls>) =>
  new CameraClient({
    deviceServiceUrl: url,
    credentials: { username: 'gridlink', password: 'camera-secret-1' },
    now: Date.now,
    timeoutMs: 5000,
    tls,
  });

describe('an https camera’s certificate is verified (HTTPS servers on loopback stand in for cameras)', () => {
  const camera = createTestCertificates();
  const rogue = createTestCertificates(); // another CA: a host on the camera LAN with a certificate of its own

  it('attack: a host answering the camera’s https address with its own certificate gets no credentials', async () => {
    const impostor = await httpsCamera(rogue.server);
    const calls = client(impostor.url, cameraTls({ insecure_tls: false }));
    await expect(calls.getDeviceInformation()).rejects.toThrow(
      /certificate.*\(the camera's certificate is not trusted: pin it with the camera's tls_ca_file, see gateway\/README\.md\)$/,
    );
    expect(impostor.requests).toEqual([]);
    // Pinned to the real camera's CA, the impostor is refused as well.
    const pinned = client(impostor.url, cameraTls({ insecure_tls: false, tls_ca_file: camera.ca }));
    await expect(pinned.getDeviceInformation()).rejects.toThrow(/certificate|signature/i);
    expect(impostor.requests).toEqual([]);
  });

  it('talks to the camera whose certificate tls_ca_file pins, and skips the check only when insecure_tls says so', async () => {
    const genuine = await httpsCamera(camera.server);
    const info = await client(
      genuine.url,
      cameraTls({ insecure_tls: false, tls_ca_file: camera.ca }),
    ).getDeviceInformation();
    expect(info).toMatchObject({ manufacturer: 'Test', serialNumber: 'SN1' });
    expect(genuine.requests).toHaveLength(1);
    const unchecked = await httpsCamera(rogue.server);
    await client(unchecked.url, cameraTls({ insecure_tls: true })).getDeviceInformation();
    expect(unchecked.requests).toHaveLength(1);
  });
});
