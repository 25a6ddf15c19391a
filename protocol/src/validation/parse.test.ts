import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './parse.js';

describe('decoding a JSON object', () => {
  it('reads a Buffer, a view into a larger buffer and a string alike', () => {
    const text = '{"temperature":21.5,"note":"温度"}';
    const bytes = Buffer.from(`xx${text}yy`);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, Buffer.byteLength(text));
    const expected = { ok: true, value: { temperature: 21.5, note: '温度' } };
    expect(parseJsonObject(Buffer.from(text), 'here')).toEqual(expected);
    expect(parseJsonObject(bytes.subarray(2, 2 + Buffer.byteLength(text)), 'here')).toEqual(expected);
    expect(parseJsonObject(view, 'here')).toEqual(expected);
    expect(parseJsonObject(text, 'here')).toEqual(expected);
  });

  it('names what arrived instead of an object', () => {
    const result = parseJsonObject(Buffer.from('[1,2]'), 'gridlink/th-1');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.message).toContain('gridlink/th-1');
  });
});
