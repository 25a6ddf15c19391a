import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { skipOrFail } from '@gridlink/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import { probeXml, textAt, udpListener } from './test-support.js';
import { child, parseXml, type XmlElement } from './xml.js';

const credentials = { username: 'admin', password: 'discovery-secret' };
const header = (message: XmlElement, name: string) => child(child(message, 'Header'), name)?.text;
const bodyElement = (message: XmlElement) => child(message, 'Body')?.children[0];

describe('WS-Discovery of a simulated camera (unicast mode: Probes sent to its own UDP port)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(options: Partial<ConstructorParameters<typeof OnvifCameraSimulator>[0]> = {}) {
    const camera = new OnvifCameraSimulator({ id: 'cam-lobby-02', ...credentials, ...options });
    await camera.start();
    cleanups.push(() => camera.stop());
    return camera;
  }

  async function probe(camera: OnvifCameraSimulator, types: string) {
    const listener = await udpListener();
    cleanups.push(() => listener.close());
    const messageId = `urn:uuid:${randomUUID()}`;
    await listener.send(probeXml(messageId, types), camera.discoveryPort);
    return { listener, messageId };
  }

  it.each([['dn:NetworkVideoTransmitter'], ['tds:Device'], ['dn:NetworkVideoTransmitter tds:Device'], ['']])(
    'answers a Probe for types "%s" with a ProbeMatch relating to the probe',
    async (types) => {
      const camera = await started();
      const { listener, messageId } = await probe(camera, types);
      await vi.waitFor(() => expect(listener.messages).toHaveLength(1));
      const [match] = listener.messages as [XmlElement];
      expect(header(match, 'RelatesTo')).toBe(messageId);
      expect(header(match, 'Action')).toBe('http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches');
      const probeMatch = child(bodyElement(match), 'ProbeMatch');
      expect(textAt(probeMatch, 'EndpointReference', 'Address')).toBe(camera.endpointReference);
      expect(textAt(probeMatch, 'XAddrs')).toBe(camera.deviceServiceUrl);
      expect(textAt(probeMatch, 'Types')).toBe('dn:NetworkVideoTransmitter tds:Device');
      expect(textAt(probeMatch, 'Scopes')).toContain('onvif://www.onvif.org/name/cam-lobby-02');
    },
  );

  it('stays silent for a Probe of another device type (checked after a matching probe is answered)', async () => {
    const camera = await started();
    const { listener } = await probe(camera, 'dn:NetworkVideoDisplay');
    await listener.send(probeXml(`urn:uuid:${randomUUID()}`, 'tds:Device'), camera.discoveryPort);
    await vi.waitFor(() => expect(listener.messages.length).toBeGreaterThanOrEqual(1));
    // UDP on loopback keeps order: the only answer is the one to the matching probe.
    expect(listener.messages).toHaveLength(1);
  });

  it('matches Probe scopes by RFC 3986 prefix: its name and location match, another name does not', async () => {
    const camera = await started();
    const listener = await udpListener();
    cleanups.push(() => listener.close());
    const [other, name, location] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `urn:uuid:${id}`);
    await listener.send(probeXml(other ?? '', '', 'onvif://www.onvif.org/name/cam-lobby-99'), camera.discoveryPort);
    await listener.send(probeXml(name ?? '', '', 'onvif://www.onvif.org/name/cam-lobby-02'), camera.discoveryPort);
    await listener.send(
      probeXml(location ?? '', 'tds:Device', 'onvif://www.onvif.org/location/country'),
      camera.discoveryPort,
    );
    await vi.waitFor(() => expect(listener.messages).toHaveLength(2));
    expect(listener.messages.map((message) => header(message, 'RelatesTo'))).toEqual([name, location]);
  });

  it('says Hello on start and after a reboot (new AppSequence instance), Bye on stop', async () => {
    const listener = await udpListener();
    cleanups.push(() => listener.close());
    const camera = new OnvifCameraSimulator({
      id: 'cam-lobby-03',
      ...credentials,
      announceTo: [{ host: '127.0.0.1', port: listener.port }],
    });
    await camera.start();
    await vi.waitFor(() => expect(listener.messages).toHaveLength(1));
    await camera.reboot(10);
    await vi.waitFor(() => expect(listener.messages).toHaveLength(2));
    await camera.stop();
    await vi.waitFor(() => expect(listener.messages).toHaveLength(3));

    const [hello, helloAgain, bye] = listener.messages as [XmlElement, XmlElement, XmlElement];
    expect(bodyElement(hello)?.name).toBe('Hello');
    expect(textAt(bodyElement(hello), 'XAddrs')).toBe(camera.deviceServiceUrl);
    expect(bodyElement(helloAgain)?.name).toBe('Hello');
    const instance = (message: XmlElement) => Number(child(child(message, 'Header'), 'AppSequence')?.attrs.InstanceId);
    expect(instance(helloAgain)).toBeGreaterThan(instance(hello));
    expect(bodyElement(bye)?.name).toBe('Bye');
    expect(textAt(bodyElement(bye), 'EndpointReference', 'Address')).toBe(camera.endpointReference);
  });

  it('has no discovery socket when discovery is off', async () => {
    const camera = await started({ discovery: 'off' });
    expect(camera.discoveryPort).toBe(0);
  });

  it('multicast mode: joins 239.255.255.250:3702, answers a multicast Probe, says Hello and Bye to the group (skipped when this host has no multicast route)', async (context) => {
    const group = createSocket({ type: 'udp4', reuseAddr: true });
    const announced: string[] = [];
    group.on('message', (message) => {
      const body = bodyElement(parseXml(message.toString('utf8')));
      if (body && textAt(body, 'EndpointReference', 'Address') === camera.endpointReference) announced.push(body.name);
    });
    cleanups.push(() => new Promise<void>((resolve) => group.close(() => resolve())));
    const camera = new OnvifCameraSimulator({ id: 'cam-multicast-01', ...credentials, discovery: 'multicast' });
    try {
      await new Promise<void>((resolve, reject) => {
        group.once('error', reject);
        group.bind(3702, () => {
          group.addMembership('239.255.255.250');
          resolve();
        });
      });
      await camera.start();
    } catch {
      skipOrFail(context, 'multicast', 'this host has no multicast route');
      return;
    }
    cleanups.push(() => camera.stop());
    // Bound to all interfaces: the probe leaves through the interface the camera joined the group on.
    const prober = await udpListener('0.0.0.0');
    cleanups.push(() => prober.close());
    const messageId = `urn:uuid:${randomUUID()}`;
    await prober.send(probeXml(messageId, 'tds:Device'), 3702, '239.255.255.250');
    await vi.waitFor(() => expect(prober.messages.some((m) => header(m, 'RelatesTo') === messageId)).toBe(true));
    await camera.stop();
    await vi.waitFor(() => expect(announced).toEqual(['Hello', 'Bye']));
  });
});
