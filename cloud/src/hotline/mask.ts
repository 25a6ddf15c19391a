import { maskName, maskPhone } from '../privacy/mask.js';

/**
 * Mainland phone numbers as people write them in free text: mobiles (13812345678, +86 138 1234
 * 5678, 138-1234-5678) and landlines with their area code (0755-12345678, 010 8765 4321).
 * Digits next to other digits are not a phone (an order number, an amount), hence the lookarounds.
 */
const MOBILE = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)/gu;
const LANDLINE = /(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)/gu;

/** Free text with every phone number in it masked; everything else as written. */
export function maskPhonesIn(text: string): string {
  return text.replace(MOBILE, maskPhone).replace(LANDLINE, maskPhone);
}

/** The caller as every list and detail shows them: 张* 138****1234. */
export function maskCaller(name: string, phone: string): string {
  return `${maskName(name)} ${maskPhone(phone)}`;
}
