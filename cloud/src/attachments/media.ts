/** The kinds of file a step may carry: photos and PDF documents. */
export const ATTACHMENT_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((byte, i) => bytes[at + i] === byte);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * What the content is, from its magic bytes; undefined when it is none of the accepted kinds. The
 * uploader's Content-Type is a claim: a page served back with a type it is not could run as script.
 */
export function sniffMediaType(bytes: Uint8Array): AttachmentMediaType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  return undefined;
}

/** `image/png; charset=x` → `image/png`, if it is one of the accepted kinds. */
export function acceptedMediaType(header: string | undefined): AttachmentMediaType | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return ATTACHMENT_MEDIA_TYPES.find((accepted) => accepted === type);
}

const EXTENSION: Record<AttachmentMediaType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};

/** Extensions a file of each kind may end with as it was uploaded. */
const ACCEPTED_EXTENSIONS: Record<AttachmentMediaType, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
};

/**
 * The name a file of `type` is stored under and shown or saved as: without control or format
 * characters (U+202E and the other bidi overrides, zero-width characters, which make
 * `photo\u202Egpj.html` look like `photohtml.jpg`) nor folders, and always ending with the
 * extension of what the content is (`report.html` of a PDF becomes `report.html.pdf`), so a saved
 * copy opens as what it is.
 */
export function safeAttachmentName(name: string, type: AttachmentMediaType, tag?: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[/\\]/g, '_')
    .trim()
    .slice(0, 240);
  if (cleaned === '' || /^\.+$/.test(cleaned)) return defaultName(type, tag);
  const extension = /\.([^.]+)$/.exec(cleaned)?.[1]?.toLowerCase();
  return extension !== undefined && ACCEPTED_EXTENSIONS[type].includes(extension)
    ? cleaned
    : `${cleaned}.${EXTENSION[type]}`;
}

/** The name a file is stored under when the uploader gave none. */
export const defaultName = (type: AttachmentMediaType, tag?: string) => `${tag ?? 'attachment'}.${EXTENSION[type]}`;

/**
 * `Content-Disposition` for a stored file: photos shown in place, documents downloaded; the name in
 * ASCII for old clients and in UTF-8 (RFC 6266 / 8187) for the rest, so 现场照片.jpg survives.
 */
export function contentDisposition(type: AttachmentMediaType, name: string): string {
  const disposition = type === 'application/pdf' ? 'attachment' : 'inline';
  const safe = safeAttachmentName(name, type);
  const fallback = safe.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
