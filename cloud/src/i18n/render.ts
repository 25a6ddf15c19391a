import { CATALOGUE, VOCABULARIES } from './catalogue.js';
import { DEFAULT_LANGUAGE, type Language, type Message } from './message.js';

const LIST_SEPARATOR: Record<Language, string> = { 'zh-CN': '、', en: ', ' };
/** `{name@vocabulary/or}`: a list joined as alternatives. */
const OR_SEPARATOR: Record<Language, string> = { 'zh-CN': '或', en: ' or ' };

function word(vocabulary: string | undefined, value: unknown, language: Language): string {
  const text = String(value);
  return (vocabulary === undefined ? undefined : VOCABULARIES[vocabulary]?.[text]?.[language]) ?? text;
}

/**
 * The message in `language`. Parameters fill `{name}`; `{name@vocabulary}` renders a code through a
 * vocabulary, each element of a list (`/or` joins a list as alternatives); a message as a parameter, or
 * in a list, renders in the same language. A code missing from the catalogue renders as itself with its
 * parameters, so nothing is ever lost (and the catalogue test finds it).
 */
export function render(message: Message, language: Language = DEFAULT_LANGUAGE): string {
  const template = CATALOGUE[message.code]?.[language];
  if (template === undefined) return `${message.code} ${JSON.stringify(message.params)}`;
  return template
    .replace(/\{(\w+)(?:@(\w+))?(\/or)?\}/g, (_whole, name: string, vocabulary: string | undefined, or?: string) => {
      const value = message.params[name];
      if (value === undefined || value === null) return '';
      if (Array.isArray(value))
        return value
          .map((item) =>
            typeof item === 'object' && item !== null
              ? render(item as Message, language)
              : word(vocabulary, item, language),
          )
          .join((or ? OR_SEPARATOR : LIST_SEPARATOR)[language]);
      if (typeof value === 'object') return render(value as Message, language);
      return word(vocabulary, value, language);
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** The message in both languages, for what goes out to everyone at once (robots, SMS). */
export const bilingual = (message: Message): { zh: string; en: string } => ({
  zh: render(message, 'zh-CN'),
  en: render(message, 'en'),
});

/** The reader's language from an `Accept-Language` header: English when asked for first, else zh-CN. */
export function languageOf(acceptLanguage: string | undefined | null): Language {
  if (!acceptLanguage) return DEFAULT_LANGUAGE;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...options] = part.trim().split(';');
      const q = options.map((option) => /^\s*q=([\d.]+)/.exec(option)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return DEFAULT_LANGUAGE;
}
