import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Validation of SOAP response bodies against the ONVIF schemas with xmllint. The ONVIF WSDL/XSD come
 * from ../shared/onvif/wsdl (never copied into the repository); the OASIS/W3C schemas they import
 * are replaced by the minimal local ones in ./schema-fixtures (see its README).
 */

const here = fileURLToPath(new URL('.', import.meta.url));
export const ONVIF_WSDL_DIR = resolve(here, '../../../../shared/onvif/wsdl');
const FIXTURES_DIR = join(here, 'schema-fixtures');

export function xmllintAvailable(): boolean {
  return ['/usr/bin/xmllint', '/usr/local/bin/xmllint'].some((path) => existsSync(path)) || hasOnPath('xmllint');
}

function hasOnPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** Where imports point in the ONVIF files, and the local file each is read from instead. */
const LOCATIONS: Record<string, string> = {
  'http://www.w3.org/2005/08/addressing/ws-addr.xsd': 'ws-addr.xsd',
  'http://docs.oasis-open.org/wsn/t-1.xsd': 't-1.xsd',
  'http://docs.oasis-open.org/wsn/b-2.xsd': 'b-2.xsd',
  'https://www.w3.org/2005/05/xmlmime': 'xmlmime.xsd',
  'https://www.w3.org/2003/05/soap-envelope': 'soap-envelope.xsd',
  'https://www.w3.org/2004/08/xop/include': 'xop-include.xsd',
  '../../../ver10/schema/onvif.xsd': 'onvif.xsd',
};

function relocate(text: string): string {
  return text.replace(/schemaLocation="([^"]+)"/g, (whole, location: string) => {
    const local = LOCATIONS[location];
    return local ? `schemaLocation="${local}"` : whole;
  });
}

/**
 * onvif.xsd's VideoSourceConfigurationOptionsExtension2 breaks the Unique Particle Attribution rule
 * (an optional tt:SceneOrientationMode followed by a ##targetNamespace wildcard), which libxml2
 * refuses to compile. In the temporary copy only, that one wildcard is narrowed to ##other; the
 * simulator never sends that type, so nothing it sends is checked any less.
 */
function acceptedByLibxml2(onvifXsd: string): string {
  const start = onvifXsd.indexOf('<xs:complexType name="VideoSourceConfigurationOptionsExtension2"');
  if (start < 0) return onvifXsd;
  const end = onvifXsd.indexOf('</xs:complexType>', start);
  const block = onvifXsd
    .slice(start, end)
    .replace('<xs:any namespace="##targetNamespace"', '<xs:any namespace="##other"');
  return onvifXsd.slice(0, start) + block + onvifXsd.slice(end);
}

/** The xs:schema embedded in a WSDL, carrying the namespace declarations of wsdl:definitions. */
function schemaOfWsdl(wsdl: string): string {
  const definitions = /<wsdl:definitions\b[^>]*>/.exec(wsdl)?.[0] ?? '';
  const start = wsdl.indexOf('<xs:schema');
  const end = wsdl.indexOf('</xs:schema>') + '</xs:schema>'.length;
  if (start < 0 || end < start) throw new Error('WSDL without an embedded xs:schema');
  let schema = wsdl.slice(start, end);
  const openTag = /<xs:schema\b[^>]*>/.exec(schema)?.[0] ?? '';
  const declared = new Set([...openTag.matchAll(/xmlns:([\w-]+)=/g)].map((m) => m[1]));
  const inherited = [...definitions.matchAll(/xmlns:([\w-]+)="([^"]*)"/g)]
    .filter((m) => !declared.has(m[1]))
    .map((m) => `xmlns:${m[1]}="${m[2]}"`)
    .join(' ');
  schema = schema.replace(openTag, openTag.replace('<xs:schema', `<xs:schema ${inherited}`));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${relocate(schema)}`;
}

const SERVICES = {
  'tds.xsd': ['ver10/device/wsdl/devicemgmt.wsdl', 'http://www.onvif.org/ver10/device/wsdl'],
  'trt.xsd': ['ver10/media/wsdl/media.wsdl', 'http://www.onvif.org/ver10/media/wsdl'],
  'tr2.xsd': ['ver20/media/wsdl/media.wsdl', 'http://www.onvif.org/ver20/media/wsdl'],
  'tev.xsd': ['ver10/events/wsdl/event.wsdl', 'http://www.onvif.org/ver10/events/wsdl'],
} as const;

/**
 * Writes, in a fresh temporary directory, the service schemas extracted from the ONVIF WSDLs, onvif.xsd
 * and common.xsd with their imports pointed at local files, the minimal OASIS/W3C schemas, and one
 * driver schema importing them all, so a single xmllint run validates any ONVIF response element.
 */
export async function prepareSchemas(): Promise<{ dir: string; driver: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-onvif-schemas-'));
  for (const name of ['ws-addr.xsd', 't-1.xsd', 'b-2.xsd', 'xmlmime.xsd', 'soap-envelope.xsd', 'xop-include.xsd']) {
    await copyFile(join(FIXTURES_DIR, name), join(dir, name));
  }
  for (const name of ['onvif.xsd', 'common.xsd']) {
    const text = relocate(await readFile(join(ONVIF_WSDL_DIR, 'ver10/schema', name), 'utf8'));
    await writeFile(join(dir, name), name === 'onvif.xsd' ? acceptedByLibxml2(text) : text);
  }
  for (const [name, [wsdl]] of Object.entries(SERVICES)) {
    await writeFile(join(dir, name), schemaOfWsdl(await readFile(join(ONVIF_WSDL_DIR, wsdl), 'utf8')));
  }
  const imports = [
    ...Object.entries(SERVICES).map(([name, [, ns]]) => [ns, name]),
    ['http://www.onvif.org/ver10/schema', 'onvif.xsd'],
    ['http://docs.oasis-open.org/wsn/b-2', 'b-2.xsd'],
  ]
    .map(([ns, file]) => `<xs:import namespace="${ns}" schemaLocation="${file}"/>`)
    .join('\n  ');
  const driver = join(dir, 'all-responses.xsd');
  await writeFile(
    driver,
    `<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:gridlink:onvif-response-validation">\n  ${imports}\n</xs:schema>\n`,
  );
  return { dir, driver };
}

/**
 * The first element of env:Body as a standalone document: the Envelope's namespace declarations are
 * copied onto it so that prefixes used inside (tt:, wsnt:, and QNames in attribute values) resolve.
 */
export function bodyDocument(envelopeXml: string): string {
  return firstChildDocument(envelopeXml, 'Body');
}

/** The first element of a fault's env:Detail, as a standalone document (see bodyDocument). */
export function faultDetailDocument(envelopeXml: string): string {
  return firstChildDocument(envelopeXml, 'Detail');
}

function firstChildDocument(envelopeXml: string, container: 'Body' | 'Detail'): string {
  const envelopeTag = /<([\w-]+):Envelope\b[^>]*>/.exec(envelopeXml);
  if (!envelopeTag) throw new Error('not a SOAP envelope');
  const prefix = envelopeTag[1];
  const declarations = [...envelopeTag[0].matchAll(/xmlns:([\w-]+)="([^"]*)"/g)];
  const open = new RegExp(`<${prefix}:${container}\\b[^>]*>`).exec(envelopeXml);
  const close = envelopeXml.lastIndexOf(`</${prefix}:${container}>`);
  if (!open || close < 0) throw new Error(`SOAP envelope without ${container}`);
  const inner = envelopeXml.slice(open.index + open[0].length, close).trim();
  const rootTag = /^<([\w.:-]+)/.exec(inner);
  if (!rootTag) throw new Error(`SOAP ${container} without an element`);
  const missing = declarations
    .filter(([, name]) => !new RegExp(`xmlns:${name}=`).test(inner.slice(0, inner.indexOf('>'))))
    .map(([whole]) => whole)
    .join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${inner.replace(rootTag[0], `${rootTag[0]} ${missing}`)}`;
}

export interface ValidationResult {
  file: string;
  valid: boolean;
  errors: string[];
}

/** Runs `xmllint --noout --nonet --schema` once over all files; reports each file's verdict and errors. */
export function validateAll(driver: string, files: string[]): Promise<{ results: ValidationResult[]; output: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'xmllint',
      ['--noout', '--nonet', '--schema', driver, ...files],
      { maxBuffer: 16 << 20 },
      (error, _stdout, stderr) => {
        // xmllint exits 3 when a document does not validate; anything else means it could not check.
        const code: unknown = error ? (error as { code?: unknown }).code : 0;
        if (code !== 0 && code !== 3) {
          reject(new Error(`xmllint could not run (exit ${code}): ${stderr.slice(0, 4000)}`));
          return;
        }
        const lines = stderr.split('\n');
        const results = files.map((file) => ({
          file,
          valid: lines.includes(`${file} validates`),
          errors: lines.filter((line) => line.startsWith(`${file}:`)),
        }));
        resolvePromise({ results, output: stderr });
      },
    );
  });
}
