import { describe, expect, it } from 'vitest';
import { type FieldValue, integer, type TelemetryPoint, toLineProtocol, toLines } from './line-protocol.js';

const point = (
  fields: Record<string, FieldValue>,
  tags: Record<string, string> = {},
  measurement = 'm',
): TelemetryPoint => ({ measurement, tags, fields, timestamp: 1_795_618_338_646 });

const line = (...args: Parameters<typeof point>) => toLineProtocol(point(...args));

describe('line protocol', () => {
  it('writes measurement, tags in order, fields in order and the ms timestamp', () => {
    expect(
      line({ temperature: 21.5, battery: 88, count: integer(3), ok: true }, { gateway: 'gw-01', device: 'th-101' }),
    ).toBe('m,gateway=gw-01,device=th-101 temperature=21.5,battery=88,count=3i,ok=true 1795618338646');
  });

  it('numbers are floats in shortest form; integers get the i suffix; negative and huge values too', () => {
    expect(line({ a: -87, b: 0.1 + 0.2, c: 1e21, d: integer(-5), e: false })).toBe(
      'm a=-87,b=0.30000000000000004,c=1e+21,d=-5i,e=false 1795618338646',
    );
  });

  it('escapes commas and spaces in measurement names (not equals signs)', () => {
    expect(line({ v: 1 }, {}, 'my meas,x=y')).toBe('my\\ meas\\,x=y v=1 1795618338646');
  });

  it('escapes commas, equals signs and spaces in tag keys, tag values and field keys', () => {
    expect(line({ 'field key=': 1 }, { 'tag key': 'a,b=c d' })).toBe(
      'm,tag\\ key=a\\,b\\=c\\ d field\\ key\\==1 1795618338646',
    );
  });

  it('quotes string fields, escaping double quotes and backslashes only', () => {
    expect(line({ s: 'he said "hi", a=b \\ back' })).toBe('m s="he said \\"hi\\", a=b \\\\ back" 1795618338646');
    expect(line({ s: 'ends with \\' })).toBe('m s="ends with \\\\" 1795618338646');
  });

  it('keeps newlines in string fields as they are (InfluxDB reads quoted newlines as part of the value)', () => {
    expect(line({ s: 'line1\nline2\r\tend', v: 1 })).toBe('m s="line1\nline2\r\tend",v=1 1795618338646');
  });

  it('writes Chinese text as it is, in string fields and (escaped only for separators) in tags', () => {
    expect(line({ s: '烟雾报警：3号楼 "二单元"' }, { building: '3号 楼' })).toBe(
      'm,building=3号\\ 楼 s="烟雾报警：3号楼 \\"二单元\\"" 1795618338646',
    );
  });

  it('writes newline, carriage return and tab in tag values as \\n, \\r, \\t (line protocol cannot carry them)', () => {
    expect(line({ v: 1 }, { note: 'a\nb\rc\td' })).toBe('m,note=a\\nb\\rc\\td v=1 1795618338646');
  });

  it('keeps backslashes in tag values, drops trailing ones (a tag value cannot end with a backslash)', () => {
    expect(line({ v: 1 }, { a: 'x\\y', b: 'x\\,y', c: 'end\\\\' })).toBe('m,a=x\\y,b=x\\\\,y,c=end v=1 1795618338646');
  });

  it('leaves out empty tags and fields that cannot be written (NaN, Infinity, unsafe integers)', () => {
    expect(line({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: integer(2 ** 60), d: 1 }, { empty: '', x: 'y' })).toBe(
      'm,x=y d=1 1795618338646',
    );
  });

  it('a point without any writable field has no line (a line without fields is invalid)', () => {
    expect(line({ a: Number.NaN })).toBeUndefined();
    expect(toLines([point({ a: Number.NaN }), point({ b: 2 })])).toEqual(['m b=2 1795618338646']);
  });

  it('truncates fractional timestamps to whole milliseconds', () => {
    expect(toLineProtocol({ ...point({ v: 1 }), timestamp: 1000.9 })).toBe('m v=1 1000');
  });

  it('refuses measurement names it cannot write (empty, or starting with # which would make a comment)', () => {
    expect(() => line({ v: 1 }, {}, '')).toThrow(/invalid measurement/);
    expect(() => line({ v: 1 }, {}, '#m')).toThrow(/invalid measurement/);
  });
});
