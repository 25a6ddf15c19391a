import { XMLParser } from 'fast-xml-parser';

/** A namespace-resolved XML element: SOAP routing and topic filters depend on namespaces, not on prefixes. */
export interface XmlElement {
  /** Namespace URI ('' when unqualified). */
  ns: string;
  /** Local name without prefix. */
  name: string;
  /** Attributes by local name (namespace-qualified attributes are also kept by their `prefix:name`). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, trimmed text content of this element alone. */
  text: string;
  /** Prefix → namespace bindings in scope at this element (needed to resolve QNames inside text). */
  scope: ReadonlyMap<string, string>;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
});

export class XmlParseError extends Error {}

/** Parses a document into a namespace-resolved tree; throws XmlParseError on malformed input. */
export function parseXml(xml: string): XmlElement {
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml, true) as OrderedNode[];
  } catch (error) {
    throw new XmlParseError(`malformed XML: ${(error as Error).message}`);
  }
  const roots = nodes
    .map((node) => toElement(node, new Map()))
    .filter((element): element is XmlElement => element !== undefined);
  const [root] = roots;
  if (!root) throw new XmlParseError('malformed XML: no root element');
  return root;
}

function toElement(node: OrderedNode, parentScope: ReadonlyMap<string, string>): XmlElement | undefined {
  const qname = Object.keys(node).find((key) => key !== ':@' && key !== '#text');
  if (!qname || qname.startsWith('?')) return undefined;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const scope = new Map(parentScope);
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') scope.set('', value);
    else if (key.startsWith('xmlns:')) scope.set(key.slice(6), value);
  }
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    attrs[key] = value;
    const colon = key.indexOf(':');
    if (colon >= 0) attrs[key.slice(colon + 1)] = value;
  }
  const { prefix, local } = splitQName(qname);
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const child of (node[qname] ?? []) as OrderedNode[]) {
    if ('#text' in child) texts.push(String(child['#text']));
    else {
      const element = toElement(child, scope);
      if (element) children.push(element);
    }
  }
  return { ns: scope.get(prefix) ?? '', name: local, attrs, children, text: texts.join('').trim(), scope };
}

export function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

/** First direct child with this local name (and namespace, when given). */
export function child(element: XmlElement | undefined, name: string, ns?: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function childrenNamed(element: XmlElement | undefined, name: string, ns?: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns)) ?? [];
}

/** Depth-first search for the first descendant with this local name. */
export function descendant(element: XmlElement | undefined, name: string, ns?: string): XmlElement | undefined {
  if (!element) return undefined;
  for (const c of element.children) {
    if (c.name === name && (ns === undefined || c.ns === ns)) return c;
    const found = descendant(c, name, ns);
    if (found) return found;
  }
  return undefined;
}

/** Resolves a `prefix:local` QName written in element text against the element's namespace scope. */
export function resolveQName(element: XmlElement, qname: string): { ns: string | undefined; local: string } {
  const { prefix, local } = splitQName(qname.trim());
  return { ns: element.scope.get(prefix), local };
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string | number | boolean): string {
  return String(value).replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}
