import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { messageId } from './identity.js';
import { escapeXml, parseXml, resolveQName, type XmlElement, XmlParseError } from './xml.js';

/** WS-Discovery (2005/04, as ONVIF uses it): answers Probes, announces Hello and Bye. */

export const DISCOVERY_MULTICAST_ADDRESS = '239.255.255.250';
export const DISCOVERY_PORT = 3702;

const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  d: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
} as const;

const ACTION = {
  probe: `${NS.d}/Probe`,
  probeMatches: `${NS.d}/ProbeMatches`,
  hello: `${NS.d}/Hello`,
  bye: `${NS.d}/Bye`,
} as const;

/** The types a camera matches: an ONVIF NetworkVideoTransmitter that is also an ONVIF Device. */
const TYPES = [
  { ns: NS.dn, local: 'NetworkVideoTransmitter' },
  { ns: NS.tds, local: 'Device' },
] as const;

export interface DiscoveryTarget {
  host: string;
  port: number;
}

export interface DiscoveryIdentity {
  endpointReference: string;
  xaddrs: () => string[];
  scopes: () => readonly string[];
}

export interface DiscoveryOptions {
  mode: 'multicast' | 'unicast';
  /** Address the UDP socket binds to in unicast mode. */
  host: string;
  /** UDP port in unicast mode (0 = a free port); multicast mode always uses 3702. */
  port: number;
  /** Where Hello and Bye are also sent (besides the multicast group in multicast mode). */
  announceTo: readonly DiscoveryTarget[];
}

function envelope(headers: string, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<env:Envelope xmlns:env="${NS.env}" xmlns:wsa="${NS.wsa}" xmlns:d="${NS.d}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<env:Header>${headers}</env:Header><env:Body>${body}</env:Body></env:Envelope>`
  );
}

/** Whether a Probe's d:Types (QNames resolved in the probe's scope) are all types of this camera. */
function typesMatch(types: XmlElement | undefined): boolean {
  if (!types || types.text === '') return true;
  return types.text.split(/\s+/).every((qname) => {
    const { ns, local } = resolveQName(types, qname);
    // Unresolvable prefixes are common in hand-written probes; fall back to the local name as cameras do.
    return TYPES.some((type) => type.local === local && (ns === undefined || ns === type.ns));
  });
}

/** RFC 3986 scope matching (the WS-Discovery default): each probe scope is a segment-wise prefix of one of ours. */
function scopesMatch(scopes: XmlElement | undefined, ours: readonly string[]): boolean {
  if (!scopes || scopes.text === '') return true;
  const matchBy = scopes.attrs.MatchBy;
  if (matchBy !== undefined && matchBy !== `${NS.d}/rfc3986` && matchBy !== `${NS.d}/strcmp0`) return false;
  return scopes.text.split(/\s+/).every((wanted) =>
    ours.some((scope) => {
      if (matchBy === `${NS.d}/strcmp0`) return scope === wanted;
      const want = wanted.replace(/\/+$/, '').split('/');
      const have = scope.split('/');
      return (
        want.length <= have.length &&
        want.every((segment, index) => segment.toLowerCase() === have[index]?.toLowerCase())
      );
    }),
  );
}

export class DiscoveryResponder {
  private socket: Socket | undefined;
  private messageNumber = 0;
  private instanceId = 0;
  private metadataVersion = 1;

  constructor(
    private readonly identity: DiscoveryIdentity,
    private readonly options: DiscoveryOptions,
  ) {}

  /** The UDP port answering Probes. */
  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  async start(): Promise<void> {
    const multicast = this.options.mode === 'multicast';
    const socket = createSocket({ type: 'udp4', reuseAddr: multicast });
    socket.on('message', (message, remote) => this.onMessage(message, remote));
    // A malformed datagram or an unreachable peer must not bring the camera down.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(multicast ? DISCOVERY_PORT : this.options.port, multicast ? undefined : this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (multicast) {
      socket.addMembership(DISCOVERY_MULTICAST_ADDRESS);
      socket.setMulticastLoopback(true);
    }
    this.socket = socket;
    this.instanceId = Math.floor(Date.now() / 1000);
    this.messageNumber = 0;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Announces the camera; a new InstanceId marks a restart (WS-Discovery AppSequence). */
  async hello(restarted = false): Promise<void> {
    if (restarted) {
      this.instanceId += 1;
      this.messageNumber = 0;
      this.metadataVersion += 1;
    }
    await this.announce(ACTION.hello, `<d:Hello>${this.endpointXml()}${this.descriptionXml()}</d:Hello>`);
  }

  async bye(): Promise<void> {
    await this.announce(ACTION.bye, `<d:Bye>${this.endpointXml()}</d:Bye>`);
  }

  private endpointXml(): string {
    return `<wsa:EndpointReference><wsa:Address>${this.identity.endpointReference}</wsa:Address></wsa:EndpointReference>`;
  }

  private descriptionXml(): string {
    return (
      '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
      `<d:Scopes>${escapeXml(this.identity.scopes().join(' '))}</d:Scopes>` +
      `<d:XAddrs>${escapeXml(this.identity.xaddrs().join(' '))}</d:XAddrs>` +
      `<d:MetadataVersion>${this.metadataVersion}</d:MetadataVersion>`
    );
  }

  private appSequence(): string {
    this.messageNumber += 1;
    return `<d:AppSequence InstanceId="${this.instanceId}" MessageNumber="${this.messageNumber}"/>`;
  }

  private async announce(action: string, body: string): Promise<void> {
    const headers =
      `<wsa:MessageID>${messageId()}</wsa:MessageID><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>` +
      `<wsa:Action>${action}</wsa:Action>${this.appSequence()}`;
    const datagram = Buffer.from(envelope(headers, body));
    const targets = [...this.options.announceTo];
    if (this.options.mode === 'multicast') targets.push({ host: DISCOVERY_MULTICAST_ADDRESS, port: DISCOVERY_PORT });
    await Promise.all(targets.map((target) => this.send(datagram, target)));
  }

  private send(datagram: Buffer, target: DiscoveryTarget): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    // Delivery is best effort, as UDP is: a missing route to the target is not the camera's failure.
    return new Promise((resolve) => socket.send(datagram, target.port, target.host, () => resolve()));
  }

  private onMessage(message: Buffer, remote: RemoteInfo): void {
    let root: XmlElement;
    try {
      root = parseXml(message.toString('utf8'));
    } catch (error) {
      if (error instanceof XmlParseError) return;
      throw error;
    }
    const header = root.children.find((c) => c.name === 'Header');
    const body = root.children.find((c) => c.name === 'Body');
    const probe = body?.children.find((c) => c.name === 'Probe' && c.ns === NS.d);
    if (!probe) return;
    const probeId = header?.children.find((c) => c.name === 'MessageID')?.text;
    const types = probe.children.find((c) => c.name === 'Types');
    const scopes = probe.children.find((c) => c.name === 'Scopes');
    if (!typesMatch(types) || !scopesMatch(scopes, this.identity.scopes())) return;
    const headers =
      `<wsa:MessageID>${messageId()}</wsa:MessageID>` +
      (probeId ? `<wsa:RelatesTo>${escapeXml(probeId)}</wsa:RelatesTo>` : '') +
      '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
      `<wsa:Action>${ACTION.probeMatches}</wsa:Action>${this.appSequence()}`;
    const matches = `<d:ProbeMatches><d:ProbeMatch>${this.endpointXml()}${this.descriptionXml()}</d:ProbeMatch></d:ProbeMatches>`;
    void this.send(Buffer.from(envelope(headers, matches)), { host: remote.address, port: remote.port });
  }
}
