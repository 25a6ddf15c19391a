import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { child, children, parseXml, path, text, type XmlNode } from './xml.js';

/** WS-Discovery (2005/04, what ONVIF 1.x/2.x devices speak) on UDP 3702. */
export const DISCOVERY_MULTICAST = { address: '239.255.255.250', port: 3702 } as const;
const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA_2004 = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const SOAP_ENV = 'http://www.w3.org/2003/05/soap-envelope';
const DEVICE_NS = 'http://www.onvif.org/ver10/network/wsdl';

export interface DiscoveredCamera {
  endpointReference: string;
  /** Device service addresses, in the order the camera lists them. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
  metadataVersion?: number;
  /** Who answered (address:port). */
  from?: string;
}

export function probeMessage(messageId = `urn:uuid:${randomUUID()}`): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP_ENV}" xmlns:a="${WSA_2004}" xmlns:d="${WSD}" xmlns:dn="${DEVICE_NS}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${WSD}/Probe</a:Action><a:MessageID>${messageId}</a:MessageID>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>'
  );
}

const words = (value: string | undefined) => (value ?? '').split(/\s+/).filter((word) => word !== '');

function describe(match: XmlNode, from?: string): DiscoveredCamera | undefined {
  const endpointReference = text(path(match, 'EndpointReference'), 'Address');
  if (!endpointReference) return undefined;
  const version = Number(text(match, 'MetadataVersion'));
  return {
    endpointReference,
    xaddrs: words(text(match, 'XAddrs')),
    scopes: words(text(match, 'Scopes')),
    types: words(text(match, 'Types')),
    ...(Number.isFinite(version) ? { metadataVersion: version } : {}),
    ...(from ? { from } : {}),
  };
}

/** The ProbeMatch entries of a ProbeMatches message, and the MessageID it relates to. */
export function parseProbeMatches(xml: string, from?: string): { relatesTo?: string; cameras: DiscoveredCamera[] } {
  const document = parseXml(xml);
  const matches = path(document, 'Envelope', 'Body', 'ProbeMatches');
  const relatesTo = text(path(document, 'Envelope', 'Header'), 'RelatesTo');
  const cameras = children(matches, 'ProbeMatch').flatMap((match) => describe(match, from) ?? []);
  return { ...(relatesTo ? { relatesTo } : {}), cameras };
}

/** A Hello (a camera joining the network, e.g. after a reboot) or a Bye. */
export function parseAnnouncement(
  xml: string,
  from?: string,
): { type: 'hello' | 'bye'; camera: DiscoveredCamera } | undefined {
  const document = parseXml(xml);
  const body = path(document, 'Envelope', 'Body');
  for (const type of ['hello', 'bye'] as const) {
    const node = child(body, type === 'hello' ? 'Hello' : 'Bye');
    const camera = node ? describe(node, from) : undefined;
    if (camera) return { type, camera };
  }
  return undefined;
}

export interface ProbeOptions {
  /** Unicast targets (cameras on other subnets, or where multicast is filtered). */
  targets?: { host: string; port?: number }[];
  multicast?: boolean;
  timeoutMs?: number;
  /** Source address to bind (a multi-homed gateway picks the camera network's interface). */
  bindAddress?: string;
}

/**
 * Sends one Probe (multicast and/or to each target) and collects the ProbeMatches answering it:
 * only those relating to this Probe's MessageID (an answer without `RelatesTo` answers nothing we
 * asked). Every answer is kept, in arrival order, even several for one endpoint reference: anyone
 * on the LAN can answer, so the caller chooses by where the answer points, never by who was first.
 */
export async function probe(options: ProbeOptions): Promise<DiscoveredCamera[]> {
  const messageId = `urn:uuid:${randomUUID()}`;
  const message = Buffer.from(probeMessage(messageId));
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const found: DiscoveredCamera[] = [];
  socket.on('message', (data, remote) => {
    try {
      const answer = parseProbeMatches(data.toString('utf8'), `${remote.address}:${remote.port}`);
      if (answer.relatesTo !== messageId) return;
      found.push(...answer.cameras);
    } catch {
      // Not XML, or not WS-Discovery: other traffic on a shared port.
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, options.bindAddress, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {});
  const send = (host: string, port: number) =>
    new Promise<void>((resolve) => socket.send(message, port, host, () => resolve()));
  try {
    if (options.multicast) await send(DISCOVERY_MULTICAST.address, DISCOVERY_MULTICAST.port);
    for (const target of options.targets ?? []) await send(target.host, target.port ?? DISCOVERY_MULTICAST.port);
    await new Promise((resolve) => setTimeout(resolve, options.timeoutMs ?? 2000));
  } finally {
    socket.close();
  }
  return found;
}

/**
 * Listens for Hello/Bye on the WS-Discovery multicast group. Cameras send Hello when they come
 * back from a reboot: the adapter re-measures their clock and checks their subscription then.
 */
export class AnnouncementListener {
  private socket?: Socket;

  constructor(private readonly onAnnouncement: (type: 'hello' | 'bye', camera: DiscoveredCamera) => void) {}

  async start(port: number = DISCOVERY_MULTICAST.port, bindAddress?: string): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (data, remote) => {
      try {
        const announcement = parseAnnouncement(data.toString('utf8'), `${remote.address}:${remote.port}`);
        if (announcement) this.onAnnouncement(announcement.type, announcement.camera);
      } catch {
        // Not an announcement.
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => {});
    try {
      socket.addMembership(DISCOVERY_MULTICAST.address);
    } catch {
      // No multicast route (a container, loopback only): unicast Hello still arrives.
    }
    this.socket = socket;
  }

  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
