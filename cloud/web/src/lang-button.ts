import { h } from './dom.js';
import { lang, setLang, t } from './i18n.js';

/** The page listens for this and draws itself again in the other language. */
export const LANG_EVENT = 'gridlink:lang';

export function langButton(): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'link lang',
      onclick: () => {
        setLang(lang() === 'zh' ? 'en' : 'zh');
        window.dispatchEvent(new Event(LANG_EVENT));
      },
    },
    t('switchLang'),
  );
}
