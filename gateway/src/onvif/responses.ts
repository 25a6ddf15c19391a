import { parseCameraTime } from './camera-time.js';
import { attribute, child, children, isTrue, path, text, type XmlNode } from './xml.js';

/**
 * What the adapter reads from ONVIF answers, each from the SOAP Body (prefixes removed). Every
 * parser tolerates optional elements being absent; a missing required one is a clear error.
 */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
}

function required(node: XmlNode | undefined, what: string, operation: string): XmlNode {
  if (!node) throw new UnexpectedResponseError(`${operation}: the answer has no ${what}`);
  return node;
}

export const NS = {
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
} as const;

/** GetSystemDateAndTime: the camera's UTC clock (to seconds), undefined when it has none. */
export function parseSystemDateAndTime(body: XmlNode): { utc?: number; dateTimeType?: string } {
  const system = required(
    path(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime'),
    'SystemDateAndTime',
    'GetSystemDateAndTime',
  );
  const utc = child(system, 'UTCDateTime');
  const date = child(utc, 'Date');
  const time = child(utc, 'Time');
  const n = (node: XmlNode | undefined, name: string) => Number(text(node, name));
  const at = Date.UTC(
    n(date, 'Year'),
    n(date, 'Month') - 1,
    n(date, 'Day'),
    n(time, 'Hour'),
    n(time, 'Minute'),
    n(time, 'Second'),
  );
  const dateTimeType = text(system, 'DateTimeType');
  return { ...(Number.isFinite(at) ? { utc: at } : {}), ...(dateTimeType ? { dateTimeType } : {}) };
}

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export function parseDeviceInformation(body: XmlNode): DeviceInformation {
  const info = required(
    child(body, 'GetDeviceInformationResponse'),
    'GetDeviceInformationResponse',
    'GetDeviceInformation',
  );
  return {
    manufacturer: text(info, 'Manufacturer') ?? '',
    model: text(info, 'Model') ?? '',
    firmwareVersion: text(info, 'FirmwareVersion') ?? '',
    serialNumber: text(info, 'SerialNumber') ?? '',
    hardwareId: text(info, 'HardwareId') ?? '',
  };
}

/** The service addresses the adapter uses, from GetServices or (older firmware) GetCapabilities. */
export interface ServiceAddresses {
  device?: string;
  media?: string;
  media2?: string;
  events?: string;
  /** Whether the camera says it supports PullPoint (Axis says no and supports it: only a hint). */
  pullPointHint?: boolean;
}

export function parseServices(body: XmlNode): ServiceAddresses {
  const services = children(
    required(child(body, 'GetServicesResponse'), 'GetServicesResponse', 'GetServices'),
    'Service',
  );
  const out: ServiceAddresses = {};
  for (const service of services) {
    const namespace = text(service, 'Namespace');
    const xaddr = text(service, 'XAddr');
    if (!xaddr) continue;
    if (namespace === NS.device) out.device = xaddr;
    else if (namespace === NS.media) out.media = xaddr;
    else if (namespace === NS.media2) out.media2 = xaddr;
    else if (namespace === NS.events) {
      out.events = xaddr;
      const capabilities = path(service, 'Capabilities', 'Capabilities');
      const hint = attribute(capabilities, 'WSPullPointSupport');
      if (hint !== undefined) out.pullPointHint = isTrue(hint);
    }
  }
  return out;
}

export function parseCapabilities(body: XmlNode): ServiceAddresses {
  const capabilities = required(
    path(body, 'GetCapabilitiesResponse', 'Capabilities'),
    'Capabilities',
    'GetCapabilities',
  );
  const xaddr = (name: string) => text(child(capabilities, name), 'XAddr');
  const events = child(capabilities, 'Events');
  const pullPoint = text(events, 'WSPullPointSupport');
  const out: ServiceAddresses = {};
  const device = xaddr('Device');
  const media = xaddr('Media');
  const eventsAddress = xaddr('Events');
  if (device) out.device = device;
  if (media) out.media = media;
  if (eventsAddress) out.events = eventsAddress;
  if (pullPoint !== undefined) out.pullPointHint = isTrue(pullPoint);
  return out;
}

export interface MediaProfile {
  token: string;
  name: string;
  videoSourceToken?: string;
  encoding?: string;
  width?: number;
  height?: number;
}

/** GetProfiles of Media (ver10) or Media2 (ver20): the same facts in two shapes. */
export function parseProfiles(body: XmlNode): MediaProfile[] {
  const response = required(child(body, 'GetProfilesResponse'), 'GetProfilesResponse', 'GetProfiles');
  return children(response, 'Profiles').map((profile) => {
    const configurations = child(profile, 'Configurations'); // Media2 groups them
    const source = child(configurations ?? profile, configurations ? 'VideoSource' : 'VideoSourceConfiguration');
    const encoder = child(configurations ?? profile, configurations ? 'VideoEncoder' : 'VideoEncoderConfiguration');
    const resolution = child(encoder, 'Resolution');
    const width = Number(text(resolution, 'Width'));
    const height = Number(text(resolution, 'Height'));
    const videoSourceToken = text(source, 'SourceToken');
    const encoding = text(encoder, 'Encoding');
    return {
      token: attribute(profile, 'token') ?? '',
      name: text(profile, 'Name') ?? '',
      ...(videoSourceToken ? { videoSourceToken } : {}),
      ...(encoding ? { encoding } : {}),
      ...(Number.isFinite(width) && width > 0 ? { width } : {}),
      ...(Number.isFinite(height) && height > 0 ? { height } : {}),
    };
  });
}

/** GetStreamUri / GetSnapshotUri: `MediaUri/Uri` in Media, `Uri` in Media2. */
export function parseMediaUri(body: XmlNode, operation: 'GetStreamUri' | 'GetSnapshotUri'): string {
  const response = required(child(body, `${operation}Response`), `${operation}Response`, operation);
  const uri = text(child(response, 'MediaUri'), 'Uri') ?? text(response, 'Uri');
  if (!uri) throw new UnexpectedResponseError(`${operation}: the answer has no Uri`);
  return uri;
}

export interface SubscriptionReference {
  address: string;
  referenceParameters?: string;
}

export interface SubscriptionGrant {
  reference: SubscriptionReference;
  /** Camera clock at the answer and the end of the subscription; either may be unreadable. */
  currentTime?: number;
  terminationTime?: number;
}

/**
 * CreatePullPointSubscription or Subscribe answer. The reference parameters are cut from the raw
 * text, because they are opaque XML the camera expects back verbatim (Axis: SubscriptionId).
 */
export function parseSubscriptionGrant(body: XmlNode, raw: string, operation: string): SubscriptionGrant {
  const response = required(child(body, `${operation}Response`), `${operation}Response`, operation);
  const reference = required(child(response, 'SubscriptionReference'), 'SubscriptionReference', operation);
  const address = text(reference, 'Address');
  if (!address) throw new UnexpectedResponseError(`${operation}: the SubscriptionReference has no Address`);
  const referenceParameters = referenceParametersXml(raw);
  const currentTime = parseCameraTime(text(response, 'CurrentTime'));
  const terminationTime = parseCameraTime(text(response, 'TerminationTime'));
  return {
    reference: { address, ...(referenceParameters ? { referenceParameters } : {}) },
    ...(currentTime !== undefined ? { currentTime } : {}),
    ...(terminationTime !== undefined ? { terminationTime } : {}),
  };
}

/** Renew answer: the new termination time, read in the camera's clock. */
export function parseRenew(body: XmlNode): { currentTime?: number; terminationTime?: number } {
  const response = required(child(body, 'RenewResponse'), 'RenewResponse', 'Renew');
  const currentTime = parseCameraTime(text(response, 'CurrentTime'));
  const terminationTime = parseCameraTime(text(response, 'TerminationTime'));
  return {
    ...(currentTime !== undefined ? { currentTime } : {}),
    ...(terminationTime !== undefined ? { terminationTime } : {}),
  };
}

/**
 * The inner XML of the first ReferenceParameters element, with the namespace declarations of the
 * prefixes it uses copied from wherever the camera declared them.
 */
export function referenceParametersXml(raw: string): string | undefined {
  const match =
    /<(?:([\w.-]+):)?ReferenceParameters\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?ReferenceParameters\s*>)/.exec(raw);
  const inner = match?.[2]?.trim();
  if (!inner) return undefined;
  const declared = new Map<string, string>();
  for (const declaration of raw.matchAll(/xmlns:([\w.-]+)\s*=\s*"([^"]*)"/g)) {
    if (declaration[1] && declaration[2] !== undefined && !declared.has(declaration[1])) {
      declared.set(declaration[1], declaration[2]);
    }
  }
  // Each top-level element gets the declarations of the prefixes used inside it but not declared there.
  return inner.replace(
    /<([\w.-]+):([\w.-]+)([^>]*?)(\/?)>/g,
    (tag, prefix: string, name: string, attrs: string, end: string) => {
      if (new RegExp(`xmlns:${prefix}\\s*=`).test(attrs)) return tag;
      const uri = declared.get(prefix);
      return uri === undefined ? tag : `<${prefix}:${name} xmlns:${prefix}="${uri}"${attrs}${end}>`;
    },
  );
}
