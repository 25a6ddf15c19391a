/**
 * Words allowed in zh-CN text: proper names, codes, file formats and units. Anything with a digit is an id (case numbers
 * INC-…, device ids smoke-b3-u2-0401, gateway ids) and passes too, as do problem codes GL_….
 */
const ALLOWED = new Set(['IoT', 'JSON', 'API', 'KPI', 'SMS', 'JPEG', 'PNG', 'WebP', 'PDF', 'MiB', 'CSV', 'Excel']);

/** The English words of `text`: tokens of Latin letters that are neither ids nor allowed names. */
export function englishWords(text: string): string[] {
  return (text.match(/[A-Za-z0-9_.@/-]*[A-Za-z][A-Za-z0-9_.@/-]*/g) ?? []).filter(
    (token) => !/\d/.test(token) && !/^GL_[A-Z_]+$/.test(token) && !ALLOWED.has(token),
  );
}
