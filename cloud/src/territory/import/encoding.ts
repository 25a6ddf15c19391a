import iconv from 'iconv-lite';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

export type TextEncoding = 'utf-8' | 'gb18030';

/**
 * A file's text, whichever way a spreadsheet saved it: UTF-8 (with or without the byte-order mark
 * "CSV UTF-8" writes) or, when the bytes are not valid UTF-8, GB18030, the superset of the GBK a
 * Chinese Excel writes for plain "CSV". A failed strict UTF-8 decode is the signal: GBK text is
 * almost never valid UTF-8, while UTF-8 is never misread as GBK. (The gateway reads its device
 * CSVs the same way; the cloud cannot import the gateway, hence this twin.)
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  const bom = UTF8_BOM.every((byte, i) => bytes[i] === byte);
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return {
      text: iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), 'gb18030'),
      encoding: 'gb18030',
    };
  }
}
