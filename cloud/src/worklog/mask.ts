/** Separators between the people named in "people met": spaces and Chinese or Latin punctuation. */
const SEPARATOR = /([\s,，、;；/|]+)/u;
/** A run of digits long enough to be a phone number (fixed lines have 7–8, mobiles 11). */
const PHONE = /\+?\d[\d-]{5,}\d/gu;

/**
 * "People met" as lists show it: a mobile number keeps its first 3 and last 4 digits
 * (138****0001), a shorter one its last 2, every other word its first character (张三 → 张*).
 * Enough to tell entries apart, not enough to identify anyone; the full text is revealed (and
 * audited) on an entry's detail only.
 */
export function maskPeople(text: string): string {
  // split with a capturing group: the separators are the odd parts, kept as written.
  return text
    .split(SEPARATOR)
    .map((part, i) => (i % 2 === 1 ? part : maskToken(part)))
    .join('');
}

function maskToken(token: string): string {
  let masked = '';
  let last = 0;
  for (const match of token.matchAll(PHONE)) {
    masked += maskWord(token.slice(last, match.index));
    const digits = match[0].replace(/\D/gu, '');
    masked +=
      digits.length >= 11
        ? `${digits.slice(0, 3)}****${digits.slice(-4)}`
        : `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
    last = match.index + match[0].length;
  }
  return masked + maskWord(token.slice(last));
}

/** The first character of a word and its brackets; everything else a `*`. */
function maskWord(word: string): string {
  return [...word].map((char, i) => (i === 0 || /[()（）]/u.test(char) ? char : '*')).join('');
}
