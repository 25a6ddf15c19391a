/** `postgres://gridlink:pw@db:5432/x` → `postgres://gridlink:redacted@db:5432/x`: a URL that can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/g, '//…@');
  }
}
