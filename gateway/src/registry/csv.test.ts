import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, csvLine, parseCsv } from './csv.js';

const fields = (text: string) => parseCsv(text).map((record) => record.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits records on LF, CRLF or CR and fields on commas, keeping empty fields', () => {
    expect(fields('a,b,c\nd,,f\r\ng,h,\ri,j,k')).toEqual([
      ['a', 'b', 'c'],
      ['d', '', 'f'],
      ['g', 'h', ''],
      ['i', 'j', 'k'],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes, line breaks and Chinese text', () => {
    expect(fields('"3号楼, 东单元","say ""hi""","line one\r\nline two"\n')).toEqual([
      ['3号楼, 东单元', 'say "hi"', 'line one\r\nline two'],
    ]);
    expect(fields('"",x\n')).toEqual([['', 'x']]);
  });

  it('drops a byte-order mark, a final line break and blank lines', () => {
    expect(fields('\uFEFFid,kind\r\n\r\nsmoke-1,smoke_detector\r\n')).toEqual([
      ['id', 'kind'],
      ['smoke-1', 'smoke_detector'],
    ]);
    expect(fields('')).toEqual([]);
  });

  it('numbers each record by the line it starts on, also after multi-line fields', () => {
    expect(parseCsv('h1,h2\n"a\nb",c\n\nd,e\n').map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('refuses a stray quote in an unquoted field, text after a closing quote and an unclosed quote', () => {
    expect(() => parseCsv('a,b\nc,d"e\n')).toThrow(
      new CsvSyntaxError(2, 'a quote inside an unquoted field: quote the whole field and write the quote as ""'),
    );
    expect(() => parseCsv('a,"b"c\n')).toThrow('line 1: text after a closing quote');
    expect(() => parseCsv('a,b\n"never closed,\nx\n')).toThrow('line 2: a quoted field is never closed');
  });
});

describe('csvLine', () => {
  it('quotes only what needs it and ends with CRLF; parseCsv reads it back', () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'two\nlines', ' padded', '中文'];
    const line = csvLine(values);
    expect(line).toBe('plain,"with, comma","with ""quote""","two\nlines"," padded",中文\r\n');
    expect(fields(line)).toEqual([values]);
  });
});
