import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeCsv } from './csv-decode.js';

const TEXT = 'id,kind,notes\r\nsmoke-1,smoke_detector,3号楼厨房\r\n';

describe('decodeCsv', () => {
  it('reads UTF-8 with the byte-order mark Excel writes, and drops the mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]);
    expect(decodeCsv(bytes)).toEqual({ text: TEXT, encoding: 'utf-8' });
  });

  it('reads UTF-8 without a mark', () => {
    expect(decodeCsv(Buffer.from(TEXT))).toEqual({ text: TEXT, encoding: 'utf-8' });
  });

  it('reads the GBK a Chinese Excel saves as plain CSV', () => {
    const gbk = iconv.encode(TEXT, 'gbk');
    expect(gbk.equals(Buffer.from(TEXT))).toBe(false);
    expect(decodeCsv(gbk)).toEqual({ text: TEXT, encoding: 'gb18030' });
  });
});
