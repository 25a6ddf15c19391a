/**
 * Mainland phone numbers as people write them in free text: mobiles (13812345678, +86 138 1234
 * 5678, 138-1234-5678) and landlines with their area code (0755-12345678, 010 8765 4321).
 * Digits next to other digits are not a phone (an order number, an amount), hence the lookarounds.
 */
const MOBILE = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)/gu;
const LANDLINE = /(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)/gu;

/** A phone number kept to its first 3 and last 4 digits (138****1234; 075****5678 for a landline). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/gu, '').replace(/^86(?=1\d{10}$)/u, '');
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** A name kept to its first character (张三 → 张*). */
export function maskName(name: string): string {
  return [...name].map((char, i) => (i === 0 ? char : '*')).join('');
}

/** Free text with every phone number in it masked; everything else as written. */
export function maskPhonesIn(text: string): string {
  return text.replace(MOBILE, maskPhone).replace(LANDLINE, maskPhone);
}

/** The caller as every list and detail shows them: 张* 138****1234. */
export function maskCaller(name: string, phone: string): string {
  return `${maskName(name)} ${maskPhone(phone)}`;
}
