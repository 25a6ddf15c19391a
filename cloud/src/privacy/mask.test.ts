import { describe, expect, it } from 'vitest';
import { maskName, maskPhone } from './mask.js';

describe('masks of personal data', () => {
  it('keeps 3 and 4 digits of a phone however it is written, and nothing of a short number', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('+86 138-1234-1234')).toBe('138****1234');
    expect(maskPhone('0755-12345678')).toBe('075****5678');
    expect(maskPhone('12345')).toBe('*****');
  });

  it('keeps the first character of a name', () => {
    expect(maskName('张三丰')).toBe('张**');
  });
});
