/**
 * Personal data as lists show it, one rule for every feature: a phone keeps its first 3 and last 4
 * digits (138****1234; 075****5678 for a landline with its area code), a mobile written with
 * China's country code (+86 138…) masks as the mobile itself, a number too short to keep digits of
 * is all stars; a name keeps its first character (张三 → 张*).
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/gu, '').replace(/^86(?=1\d{10}$)/u, '');
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export function maskName(name: string): string {
  return [...name].map((char, i) => (i === 0 ? char : '*')).join('');
}
