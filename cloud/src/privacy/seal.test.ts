import { describe, expect, it } from 'vitest';
import { PersonalDataSeal } from './seal.js';

const SECRET = 'seal-test-data-secret-0123456789abcdef';

describe('personal data sealed at rest', () => {
  const seal = new PersonalDataSeal(SECRET, 'worklog personal data');

  it('opens what it sealed, for the same record only', () => {
    const sealed = seal.seal('张三 13800000001', 'entry-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('13800000001');
    expect(seal.open(sealed, 'entry-1')).toBe('张三 13800000001');
    // Moved to another record, it does not open.
    expect(seal.open(sealed, 'entry-2')).toBeUndefined();
  });

  it('seals the same value differently each time (a fresh IV), so equal values are not visible as equal', () => {
    expect(seal.seal('王五', 'entry-1')).not.toBe(seal.seal('王五', 'entry-1'));
  });

  it('gives each purpose and each secret its own key', () => {
    const bytes = seal.sealBytes(Buffer.from([1, 2, 3]), 'r');
    expect(seal.openBytes(bytes, 'r')).toEqual(Buffer.from([1, 2, 3]));
    expect(new PersonalDataSeal(SECRET, 'patrol trajectories').openBytes(bytes, 'r')).toBeUndefined();
    expect(new PersonalDataSeal(`${SECRET}x`, 'worklog personal data').openBytes(bytes, 'r')).toBeUndefined();
  });

  it('refuses what is not a sealed value: too short, another version, tampered', () => {
    expect(seal.openBytes(Buffer.alloc(10), 'r')).toBeUndefined();
    expect(seal.open('v2.abc', 'r')).toBeUndefined();
    const sealed = seal.sealBytes(Buffer.from('secret'), 'r');
    sealed.writeUInt8((sealed.at(-1) ?? 0) ^ 1, sealed.length - 1);
    expect(seal.openBytes(sealed, 'r')).toBeUndefined();
  });
});
