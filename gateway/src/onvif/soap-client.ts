import { randomUUID } from 'node:crypto';
import { formatCameraTime } from './camera-time.js';
import { offersQopAuth, parseDigestChallenge, WeakDigestError } from './http-digest.js';
import {
  type CameraTls,
  CameraUnreachableError,
  DigestSession,
  type HttpResponse,
  httpRequest,
} from './http-transport.js';
import { AuthenticationError, parseSoapFault } from './soap-fault.js';
import { usernameTokenHeader } from './ws-security.js';
import { escapeXml, parseXml, soapBody, type XmlNode } from './xml.js';

const SOAP_ENV = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://www.w3.org/2005/08/addressing';

/** Where a call goes: a service address, or a subscription's endpoint reference. */
export interface Endpoint {
  address: string;
  /**
   * Raw XML of the reference's ReferenceParameters children, each carrying the namespace
   * declarations it uses: echoed as SOAP headers (Axis needs them).
   */
  referenceParameters?: string;
}

export interface SoapCallOptions {
  /** Unauthenticated calls (GetSystemDateAndTime is readable by anyone, by the standard). */
  anonymous?: boolean;
  timeoutMs?: number;
  /** Receives the answer's raw text (for opaque parts such as subscription reference parameters). */
  onRaw?: (text: string) => void;
}

export interface SoapClientOptions {
  username: string;
  password: string;
  /** Camera clock minus real clock, kept current by the caller (see onboarding). */
  clockOffsetMs: () => number;
  now: () => number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Throws for an address the camera may not be called at (off its pinned host): nothing is sent. */
  checkAddress?: (url: string) => void;
  /** The camera's HTTPS certificate check (verified unless the installer said insecure_tls). */
  tls?: CameraTls;
}

/**
 * SOAP 1.2 over HTTP to one camera. Authenticated calls carry a WS-UsernameToken whose Created is
 * the camera's own time (real time plus the measured offset); a camera that wants HTTP Digest
 * instead answers 401 with a challenge, and the call is answered with Digest as well. A refusal
 * either way is an {@link AuthenticationError}; a SOAP fault is a `SoapFault`; no answer is a
 * `CameraUnreachableError`.
 */
export class SoapClient {
  private readonly digest: DigestSession;

  constructor(private readonly options: SoapClientOptions) {
    this.digest = new DigestSession({ username: options.username, password: options.password });
  }

  async call(endpoint: Endpoint | string, action: string, body: string, call: SoapCallOptions = {}): Promise<XmlNode> {
    const target: Endpoint = typeof endpoint === 'string' ? { address: endpoint } : endpoint;
    this.options.checkAddress?.(target.address);
    const envelope = this.envelope(target, action, body, call);
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"` },
      body: envelope,
      timeoutMs: call.timeoutMs ?? this.options.timeoutMs,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.tls ? { tls: this.options.tls } : {}),
    };
    const response = call.anonymous
      ? await httpRequest(target.address, request)
      : await this.digest.request(target.address, request).catch((error: unknown) => {
          // Name the whole address, not only the path the Digest answer would have covered.
          throw error instanceof WeakDigestError ? new WeakDigestError(target.address, error.challenge) : error;
        });
    call.onRaw?.(response.body.toString('utf8'));
    return this.read(target.address, response);
  }

  private read(address: string, response: HttpResponse): XmlNode {
    const text = response.body.toString('utf8');
    let document: XmlNode | undefined;
    try {
      document = text.trim().startsWith('<') ? parseXml(text) : undefined;
    } catch {
      document = undefined;
    }
    const fault = document ? parseSoapFault(document, response.status) : undefined;
    if (fault) throw fault;
    const challenge = response.status === 401 ? parseDigestChallenge(response.headers['www-authenticate']) : undefined;
    // Even an unauthenticated call's challenge is checked: the next call would answer it.
    if (challenge && !offersQopAuth(challenge)) throw new WeakDigestError(address, challenge);
    if (response.status === 401 || response.status === 403) {
      throw new AuthenticationError(`${address} refused the credentials (HTTP ${response.status})`, response.status);
    }
    const body = document ? soapBody(document) : undefined;
    if (response.status >= 300 || !body) {
      // A proxy or a rebooting web server answering HTML: no SOAP answer, try again later.
      throw new CameraUnreachableError(`${address} answered HTTP ${response.status} without a SOAP body`);
    }
    return body;
  }

  private envelope(target: Endpoint, action: string, body: string, call: SoapCallOptions): string {
    const security = call.anonymous
      ? ''
      : usernameTokenHeader(
          this.options.username,
          this.options.password,
          formatCameraTime(this.options.now() + this.options.clockOffsetMs()),
        );
    return (
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP_ENV}" xmlns:wsa="${WSA}">` +
      '<s:Header>' +
      security +
      `<wsa:Action s:mustUnderstand="1">${escapeXml(action)}</wsa:Action>` +
      `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
      `<wsa:To s:mustUnderstand="1">${escapeXml(target.address)}</wsa:To>` +
      (target.referenceParameters ?? '') +
      `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
    );
  }
}
