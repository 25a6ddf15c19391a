import { child, children, path, soapBody, text, type XmlNode } from './xml.js';

/**
 * A SOAP fault a camera returned: an explicit answer (unlike a timeout), so it may end a
 * subscription or prove the credentials wrong. `subcodes` are the local names of the fault's
 * subcodes and detail elements (`NotAuthorized`, `ResourceUnknownFault`…).
 */
export class SoapFault extends Error {
  override readonly name = 'SoapFault';
  constructor(
    readonly code: string,
    readonly subcodes: readonly string[],
    readonly reason: string,
    readonly httpStatus: number,
  ) {
    super(`SOAP fault ${[code, ...subcodes].join('/')}${reason ? `: ${reason}` : ''} (HTTP ${httpStatus})`);
  }

  has(name: string): boolean {
    return this.subcodes.some((subcode) => subcode.toLowerCase() === name.toLowerCase());
  }
}

/** The camera refused the credentials: HTTP 401 without a usable challenge, or an auth fault. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

const localName = (qname: string | undefined) => qname?.split(':').pop()?.trim() ?? '';

/** The fault in an envelope, or undefined when the body holds none. */
export function parseSoapFault(document: XmlNode, httpStatus: number): SoapFault | undefined {
  const fault = child(soapBody(document), 'Fault');
  if (!fault) return undefined;
  // SOAP 1.2: Code/Value, Code/Subcode/Value (nested), Reason/Text; SOAP 1.1: faultcode, faultstring.
  const code = localName(text(path(fault, 'Code'), 'Value') ?? text(fault, 'faultcode'));
  const subcodes: string[] = [];
  let subcode = path(fault, 'Code', 'Subcode');
  while (subcode) {
    const value = localName(text(subcode, 'Value'));
    if (value) subcodes.push(value);
    subcode = child(subcode, 'Subcode');
  }
  // WS-BaseNotification faults name themselves in Detail (`wsnt:SubscribeCreationFailedFault`).
  const detail = child(fault, 'Detail') ?? child(fault, 'detail');
  if (detail)
    for (const name of Object.keys(detail)) if (!name.startsWith('@_') && name !== '#text') subcodes.push(name);
  const reasons = children(child(fault, 'Reason'), 'Text')
    .map((node) => text(node))
    .filter((value): value is string => value !== undefined);
  const reason = reasons[0] ?? text(fault, 'faultstring') ?? '';
  return new SoapFault(code || 'Fault', subcodes, reason, httpStatus);
}

const AUTH_FAULTS = [
  'NotAuthorized',
  'FailedAuthentication',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'Unauthorized',
];

export function isAuthFault(error: unknown): boolean {
  if (error instanceof AuthenticationError) return true;
  return error instanceof SoapFault && AUTH_FAULTS.some((name) => error.has(name));
}
