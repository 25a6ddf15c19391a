import { Problem } from './api.js';
import { t } from './i18n.js';

/** The API's own words for a refusal; a plain sentence, not "TypeError: Failed to fetch", for a network failure. */
export function errorText(err: unknown): string {
  if (err instanceof Problem) return err.text;
  if (isNetworkFailure(err)) return t('offline');
  return err instanceof Error ? err.message : String(err);
}

/** fetch rejects with a TypeError when no answer came (offline, DNS, refused connection). */
export function isNetworkFailure(err: unknown): boolean {
  return err instanceof TypeError || (typeof navigator !== 'undefined' && navigator.onLine === false);
}
