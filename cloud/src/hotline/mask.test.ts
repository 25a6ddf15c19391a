import { describe, expect, it } from 'vitest';
import { maskCaller, maskPhonesIn } from './mask.js';

describe('hotline masks', () => {
  it('shows the caller as a masked name and phone', () => {
    expect(maskCaller('张三丰', '13812341234')).toBe('张** 138****1234');
  });

  it('masks mobiles and landlines written inside free text, not order numbers or amounts', () => {
    expect(maskPhonesIn('请回电 13912345678 或 138-1234-5678，座机 0755-87654321 或 010 12345678。')).toBe(
      '请回电 139****5678 或 138****5678，座机 075****4321 或 010****5678。',
    );
    expect(maskPhonesIn('工单 202612060001234567 罚款 2000 元')).toBe('工单 202612060001234567 罚款 2000 元');
  });
});
