import type { Category } from './api.js';
import { pick } from './i18n.js';
import { readThrough } from './pwa/read-cache.js';

let loaded: Promise<Category[]> | undefined;
const byCode = new Map<string, Category>();

/** The tenant's categories (`GET /categories`), read once per page load. */
export function categories(): Promise<Category[]> {
  // Kept on the phone: the names show without signal too.
  loaded ??= readThrough<{ categories: Category[] }>('/categories').then(
    ({ value: { categories } }) => {
      for (const category of categories) byCode.set(category.code, category);
      return categories;
    },
    (err: unknown) => {
      loaded = undefined;
      throw err;
    },
  );
  return loaded;
}

/** The category's name in the current language, with its parent's for a sub-category. */
export function categoryName(code: string): string {
  const category = byCode.get(code);
  if (!category) return code;
  const parent = category.parent ? byCode.get(category.parent) : undefined;
  return parent ? `${pick(parent.name)} · ${pick(category.name)}` : pick(category.name);
}
