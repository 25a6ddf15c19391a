/** A random id for idempotent requests; `crypto.randomUUID` needs HTTPS, district LANs may not have it. */
export function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
