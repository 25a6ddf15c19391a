import { XMLParser } from 'fast-xml-parser';

/**
 * XML as the ONVIF client reads it: namespace prefixes removed (cameras pick their own prefixes:
 * `env:`, `SOAP-ENV:`, `s:`…), attributes kept under `@_`, every value a string (a serial number
 * like `0042` must not become 42), text trimmed.
 */
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

export type XmlNode = Record<string, unknown>;

/** SOAP forbids document type declarations; refusing them closes the door on entity expansion. */
export class XmlRefusedError extends Error {
  override readonly name = 'XmlRefusedError';
}

export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE/i.test(text))
    throw new XmlRefusedError('XML with a document type declaration is refused (SOAP forbids it)');
  return parser.parse(text) as XmlNode;
}

/** A child element (the first, when the element repeats). */
export function child(node: unknown, name: string): XmlNode | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = (node as XmlNode)[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  // An element holding only text is a string; callers that walk into it get an empty node.
  return typeof first === 'object' ? (first as XmlNode) : { '#text': first };
}

/** Every child element of that name, whether the XML had one or many. */
export function children(node: unknown, name: string): XmlNode[] {
  if (typeof node !== 'object' || node === null) return [];
  const value = (node as XmlNode)[name];
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((item) =>
    typeof item === 'object' && item !== null ? (item as XmlNode) : { '#text': item },
  );
}

/** The text of an element (or of a node already reached), trimmed; undefined when absent or empty. */
export function text(node: unknown, name?: string): string | undefined {
  const target = name === undefined ? node : (node as XmlNode | undefined)?.[name];
  const first = Array.isArray(target) ? target[0] : target;
  if (typeof first === 'string') return first.trim() || undefined;
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  if (typeof first === 'object' && first !== null) {
    const inner = (first as XmlNode)['#text'];
    return inner === undefined ? undefined : String(inner).trim() || undefined;
  }
  return undefined;
}

export function attribute(node: unknown, name: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = (node as XmlNode)[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

/** Walks a path of element names. */
export function path(node: unknown, ...names: string[]): XmlNode | undefined {
  let current: XmlNode | undefined = node as XmlNode | undefined;
  for (const name of names) {
    current = child(current, name);
    if (!current) return undefined;
  }
  return current;
}

/** The SOAP Body of an envelope. */
export function soapBody(document: XmlNode): XmlNode | undefined {
  return path(document, 'Envelope', 'Body');
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && (value.toLowerCase() === 'true' || value === '1');
}
