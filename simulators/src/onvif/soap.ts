import { escapeXml } from './xml.js';

/** Namespaces used by the camera; prefixes follow the ONVIF specification and the recorded camera responses. */
export const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  ter: 'http://www.onvif.org/ver10/error',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tns1: 'http://www.onvif.org/ver10/topics',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsa: 'http://www.w3.org/2005/08/addressing',
  'wsrf-bf': 'http://docs.oasis-open.org/wsrf/bf-2',
  'wsrf-r': 'http://docs.oasis-open.org/wsrf/r-2',
  'wsrf-rw': 'http://docs.oasis-open.org/wsrf/rw-2',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

export const TOPIC_DIALECT_CONCRETE_SET = 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet';
export const TOPIC_DIALECT_CONCRETE = 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete';

const namespaceDeclarations = Object.entries(NS)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');

/** A SOAP 1.2 envelope declaring every namespace on the root, as Hikvision and Axis firmware do. */
export function envelope(body: string, action?: string): string {
  const header = action ? `<env:Header><wsa:Action>${escapeXml(action)}</wsa:Action></env:Header>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope ${namespaceDeclarations}>${header}<env:Body>${body}</env:Body></env:Envelope>`;
}

export interface SoapFaultInit {
  code: 'Sender' | 'Receiver';
  /** Nested subcodes, outermost first, as prefixed QNames (e.g. ['ter:InvalidArgVal', 'ter:NoProfile']). */
  subcodes?: string[];
  reason: string;
  httpStatus?: number;
  /** XML placed inside env:Detail. */
  detail?: string;
  /** Extra response headers (e.g. an HTTP Digest challenge). */
  headers?: Record<string, string>;
}

/** A SOAP 1.2 fault; thrown by operation handlers and written by the camera's HTTP layer. */
export class SoapFault extends Error {
  readonly code: 'Sender' | 'Receiver';
  readonly subcodes: string[];
  readonly httpStatus: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(init: SoapFaultInit) {
    super(init.reason);
    this.code = init.code;
    this.subcodes = init.subcodes ?? [];
    // SOAP 1.2 HTTP binding: sender faults are 400, receiver faults 500.
    this.httpStatus = init.httpStatus ?? (init.code === 'Sender' ? 400 : 500);
    this.detail = init.detail;
    this.headers = init.headers ?? {};
  }

  toXml(): string {
    const subcodes = this.subcodes.reduceRight(
      (inner, value) => `<env:Subcode><env:Value>${escapeXml(value)}</env:Value>${inner}</env:Subcode>`,
      '',
    );
    const detail = this.detail === undefined ? '' : `<env:Detail>${this.detail}</env:Detail>`;
    return envelope(
      `<env:Fault><env:Code><env:Value>env:${this.code}</env:Value>${subcodes}</env:Code>` +
        `<env:Reason><env:Text xml:lang="en">${escapeXml(this.message)}</env:Text></env:Reason>${detail}</env:Fault>`,
      'http://www.w3.org/2005/08/addressing/soap/fault',
    );
  }
}

export const faults = {
  notAuthorized: (reason = 'Sender not authorized', headers?: Record<string, string>, httpStatus = 400) =>
    new SoapFault({
      code: 'Sender',
      subcodes: ['ter:NotAuthorized'],
      reason,
      httpStatus,
      detail: '<env:Text>The action requested requires authorization and the sender is not authorized</env:Text>',
      ...(headers ? { headers } : {}),
    }),
  invalidArgVal: (reason: string, subcode?: string) =>
    new SoapFault({ code: 'Sender', subcodes: ['ter:InvalidArgVal', ...(subcode ? [subcode] : [])], reason }),
  invalidArgs: (reason: string) => new SoapFault({ code: 'Sender', subcodes: ['ter:InvalidArgs'], reason }),
  actionNotSupported: (reason: string) =>
    new SoapFault({ code: 'Receiver', subcodes: ['ter:ActionNotSupported'], reason }),
  wellFormed: (reason: string) => new SoapFault({ code: 'Sender', subcodes: ['ter:WellFormed'], reason }),
  /** WS-ResourceFramework fault for a subscription that does not (or no longer) exist. */
  resourceUnknown: (reason: string, timestamp: string) =>
    new SoapFault({
      code: 'Sender',
      subcodes: ['wsrf-rw:ResourceUnknownFault'],
      reason,
      detail: `<wsrf-r:ResourceUnknownFault><wsrf-bf:Timestamp>${escapeXml(timestamp)}</wsrf-bf:Timestamp><wsrf-bf:Description xml:lang="en">${escapeXml(reason)}</wsrf-bf:Description></wsrf-r:ResourceUnknownFault>`,
    }),
  /** WS-BaseNotification faults carry the fault element in Detail; the shape follows the Axis capture. */
  notification: (code: 'Sender' | 'Receiver', element: string, reason: string, timestamp: string) =>
    new SoapFault({
      code,
      subcodes: [`wsnt:${element}`],
      reason,
      detail: `<wsnt:${element}><wsrf-bf:Timestamp>${escapeXml(timestamp)}</wsrf-bf:Timestamp><wsrf-bf:Description xml:lang="en">${escapeXml(reason)}</wsrf-bf:Description></wsnt:${element}>`,
    }),
};
