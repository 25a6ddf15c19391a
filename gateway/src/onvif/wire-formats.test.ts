import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { parseAnnouncement, parseProbeMatches, probeMessage } from './discovery.js';
import { digestAuthorization, parseDigestChallenge } from './http-digest.js';
import { SnapshotStore } from './snapshot-store.js';
import { isAuthFault, parseSoapFault } from './soap-fault.js';
import { passwordDigest } from './ws-security.js';
import { parseXml } from './xml.js';

describe('WS-Discovery messages', () => {
  it('reads a ProbeMatch as WS-Discovery 2005/04 writes it: endpoint reference, types, scopes, XAddrs', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
 <SOAP-ENV:Header><wsa:MessageID>urn:uuid:1f2e</wsa:MessageID><wsa:RelatesTo>urn:uuid:probe-1</wsa:RelatesTo>
  <wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>
  <wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>
 <SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>
  <wsa:EndpointReference><wsa:Address>urn:uuid:4d454930-0000-1000-8000-bcad28aa0001</wsa:Address></wsa:EndpointReference>
  <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
  <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/IPC</d:Scopes>
  <d:XAddrs>http://192.168.1.64/onvif/device_service http://[fe80::1]/onvif/device_service</d:XAddrs>
  <d:MetadataVersion>10</d:MetadataVersion>
 </d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    expect(parseProbeMatches(xml, '192.168.1.64:3702')).toEqual({
      relatesTo: 'urn:uuid:probe-1',
      cameras: [
        {
          endpointReference: 'urn:uuid:4d454930-0000-1000-8000-bcad28aa0001',
          xaddrs: ['http://192.168.1.64/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
          scopes: [
            'onvif://www.onvif.org/type/video_encoder',
            'onvif://www.onvif.org/Profile/Streaming',
            'onvif://www.onvif.org/name/IPC',
          ],
          types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
          metadataVersion: 10,
          from: '192.168.1.64:3702',
        },
      ],
    });
  });

  it('writes a Probe for NetworkVideoTransmitter with its MessageID, and reads Hello', () => {
    const probe = parseXml(probeMessage('urn:uuid:probe-2')) as Record<string, never>;
    expect(JSON.stringify(probe)).toContain('dn:NetworkVideoTransmitter');
    expect(JSON.stringify(probe)).toContain('urn:uuid:probe-2');
    const hello = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:Hello><a:EndpointReference><a:Address>urn:uuid:cam-1</a:Address></a:EndpointReference><d:XAddrs>http://10.0.0.9/onvif/device_service</d:XAddrs><d:MetadataVersion>2</d:MetadataVersion></d:Hello></s:Body></s:Envelope>`;
    expect(parseAnnouncement(hello)).toEqual({
      type: 'hello',
      camera: {
        endpointReference: 'urn:uuid:cam-1',
        xaddrs: ['http://10.0.0.9/onvif/device_service'],
        scopes: [],
        types: [],
        metadataVersion: 2,
      },
    });
  });
});

describe('untrusted XML', () => {
  it('refuses a document type declaration (entity expansion) from anyone on the network', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&lol2;</s:Body></s:Envelope>`;
    expect(() => parseProbeMatches(bomb)).toThrow('document type declaration');
  });
});

describe('authentication', () => {
  it('answers an HTTP Digest challenge as RFC 2617 computes it (MD5, qop=auth)', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(challenge).toEqual({
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth,auth-int',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
    const header = digestAuthorization(
      challenge as NonNullable<typeof challenge>,
      { username: 'Mufasa', password: 'Circle Of Life' },
      'GET',
      '/dir/index.html',
      1,
      '0a4f113b',
    );
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"');
  });

  it('computes the UsernameToken PasswordDigest over nonce bytes, Created and password', () => {
    // Base64(SHA-1(nonce + created + password)), as the WS-Security UsernameToken profile defines it.
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('tells refused credentials from other faults (SOAP 1.2 ter:NotAuthorized, SOAP 1.1 faultcode)', () => {
    const soap12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Sender not Authorized</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`;
    const fault = parseSoapFault(parseXml(soap12), 400);
    expect(fault?.reason).toBe('Sender not Authorized');
    expect(isAuthFault(fault)).toBe(true);
    const soap11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>bad request</faultstring></s:Fault></s:Body></s:Envelope>`;
    const old = parseSoapFault(parseXml(soap11), 500);
    expect(old).toMatchObject({ code: 'Client', reason: 'bad request' });
    expect(isAuthFault(old)).toBe(false);
  });
});

describe('snapshot store', () => {
  it('keeps all snapshots under the bound, deleting the oldest, and counts those from before a restart', () => {
    const dataDir = testDataDir();
    mkdirSync(join(dataDir, 'media', 'cam-old'), { recursive: true });
    writeFileSync(join(dataDir, 'media', 'cam-old', 'before-restart.jpg'), Buffer.alloc(400));
    const store = new SnapshotStore({ dataDir, maxTotalBytes: 1000 });
    expect(store.stats()).toEqual({ files: 1, bytes: 400 });
    const first = store.save('cam-gate-01', Buffer.alloc(400, 1), Date.UTC(2026, 10, 25, 14, 52, 18, 646));
    expect(first).toMatch(/^media\/cam-gate-01\/20261125T145218646Z-1\.jpg$/);
    store.save('cam-gate-01', Buffer.alloc(400, 2), Date.UTC(2026, 10, 25, 14, 52, 19));
    expect(store.stats()).toEqual({ files: 2, bytes: 800 });
    expect(readdirSync(join(dataDir, 'media', 'cam-old'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'media', 'cam-gate-01'))).toHaveLength(2);
  });
});
