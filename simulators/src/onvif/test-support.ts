import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseDigestParams } from './auth.js';
import { NS } from './soap.js';
import { child, parseXml, type XmlElement } from './xml.js';

/**
 * A small, real ONVIF client for the simulator's tests: SOAP 1.2 over HTTP with WS-Security
 * UsernameToken (PasswordDigest) or HTTP Digest, and WS-Discovery probes over UDP.
 */

export const CLIENT_NS = {
  s: NS.env,
  tds: NS.tds,
  trt: NS.trt,
  tr2: NS.tr2,
  tev: NS.tev,
  tt: NS.tt,
  wsnt: NS.wsnt,
  wsa: NS.wsa,
  tns1: NS.tns1,
  wsse: NS.wsse,
  wsu: NS.wsu,
} as const;

export interface Credentials {
  username: string;
  password: string;
}

export function usernameToken(credentials: Credentials, created: string, nonce: Buffer = randomBytes(16)): string {
  const digest = createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created), Buffer.from(credentials.password)]))
    .digest('base64');
  return (
    '<wsse:Security s:mustUnderstand="1"><wsse:UsernameToken>' +
    `<wsse:Username>${credentials.username}</wsse:Username>` +
    `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

export function requestEnvelope(body: string, headers = ''): string {
  const declarations = Object.entries(CLIENT_NS)
    .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
    .join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${declarations}><s:Header>${headers}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

export interface SoapResult {
  status: number;
  headers: Headers;
  xml: string;
  /** First child of env:Body: the response element or env:Fault. */
  body: XmlElement;
}

export interface CallOptions {
  /** 'ws-security' (default), 'digest' (HTTP Digest handshake) or 'none'. */
  auth?: 'ws-security' | 'digest' | 'none';
  credentials?: Credentials;
  /** WS-Security Created; default the given clock's time. */
  created?: string;
  nonce?: Buffer;
  /** Extra SOAP headers (e.g. wsa:To). */
  headers?: string;
}

export class TestOnvifClient {
  constructor(
    private readonly credentials: Credentials,
    /** The clock the client writes into Created (ms); tests set it to the camera's clock or not. */
    private readonly clock: () => number = Date.now,
  ) {}

  async call(url: string, body: string, options: CallOptions = {}): Promise<SoapResult> {
    const credentials = options.credentials ?? this.credentials;
    const auth = options.auth ?? 'ws-security';
    const security =
      auth === 'ws-security'
        ? usernameToken(credentials, options.created ?? new Date(this.clock()).toISOString(), options.nonce)
        : '';
    const payload = requestEnvelope(body, `${options.headers ?? ''}${security}`);
    const post = (authorization?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/soap+xml; charset=utf-8',
          ...(authorization ? { authorization } : {}),
        },
        body: payload,
      });
    let response = await post();
    if (auth === 'digest' && response.status === 401) {
      await response.arrayBuffer();
      const challenge = response.headers.get('www-authenticate') ?? '';
      response = await post(digestAuthorization(challenge, credentials, 'POST', new URL(url)));
    }
    return toResult(response);
  }
}

async function toResult(response: Response): Promise<SoapResult> {
  const xml = await response.text();
  const root = parseXml(xml);
  const body = child(root, 'Body', NS.env)?.children[0];
  if (!body) throw new Error(`response without a body element: ${xml}`);
  return { status: response.status, headers: response.headers, xml, body };
}

let clientNonceCount = 0;

export function digestAuthorization(challenge: string, credentials: Credentials, method: string, url: URL): string {
  const { realm = '', nonce = '' } = parseDigestParams(challenge);
  const uri = `${url.pathname}${url.search}`;
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  clientNonceCount += 1;
  const nc = clientNonceCount.toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = md5(`${credentials.username}:${realm}:${credentials.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${credentials.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

/** GET with the HTTP Digest handshake (as clients fetch snapshot URIs). */
export async function digestGet(url: string, credentials: Credentials): Promise<Response> {
  const first = await fetch(url);
  await first.arrayBuffer();
  if (first.status !== 401) return first;
  const challenge = first.headers.get('www-authenticate') ?? '';
  return fetch(url, { headers: { authorization: digestAuthorization(challenge, credentials, 'GET', new URL(url)) } });
}

/** Text of a descendant path, e.g. textAt(body, 'SystemDateAndTime', 'UTCDateTime', 'Date', 'Year'). */
export function textAt(element: XmlElement | undefined, ...path: string[]): string | undefined {
  let current = element;
  for (const name of path) current = child(current, name);
  return current?.text;
}

/** Fault subcodes, outermost first. */
export function faultSubcodes(fault: XmlElement): string[] {
  const codes: string[] = [];
  let subcode = child(child(fault, 'Code'), 'Subcode');
  while (subcode) {
    codes.push(child(subcode, 'Value')?.text ?? '');
    subcode = child(subcode, 'Subcode');
  }
  return codes;
}

export function probeXml(messageId: string, types = 'dn:NetworkVideoTransmitter', scopes?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ' +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    `<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>${messageId}</a:MessageID>` +
    '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
    `<s:Body><d:Probe>${types === '' ? '' : `<d:Types>${types}</d:Types>`}${scopes === undefined ? '' : `<d:Scopes>${scopes}</d:Scopes>`}</d:Probe></s:Body></s:Envelope>`
  );
}

/** A UDP socket that records every datagram it receives, for probes and Hello/Bye announcements. */
export async function udpListener(bindAddress = '127.0.0.1'): Promise<{
  port: number;
  messages: XmlElement[];
  send(datagram: string, port: number, host?: string): Promise<void>;
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  const messages: XmlElement[] = [];
  socket.on('message', (message) => messages.push(parseXml(message.toString('utf8'))));
  await new Promise<void>((resolve) => socket.bind(0, bindAddress, resolve));
  return {
    port: socket.address().port,
    messages,
    send: (datagram, port, host = '127.0.0.1') =>
      new Promise((resolve, reject) =>
        socket.send(datagram, port, host, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
