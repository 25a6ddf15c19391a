/**
 * Parties' personal data as lists show it: a name keeps its first character (张三 → 张*), a phone
 * its first 3 and last 4 digits (138****1234), an ID number its first 4 and last 4
 * (1101**********1234). The full values are revealed, and audited, on the case page only.
 */
export const maskName = (name: string): string => [...name].map((char, i) => (i === 0 ? char : '*')).join('');

export function maskPhone(phone: string): string {
  // A mobile written with China's country code (+86 138…) masks as the mobile itself.
  const digits = phone.replace(/\D/gu, '').replace(/^86(1\d{10})$/u, '$1');
  return digits.length >= 11
    ? `${digits.slice(0, 3)}****${digits.slice(-4)}`
    : `${'*'.repeat(Math.max(digits.length - 2, 0))}${digits.slice(-2)}`;
}

export const maskIdNumber = (id: string): string => `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
