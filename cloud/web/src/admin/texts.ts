import { fill } from '../i18n.js';

/** The administration shell's texts, zh-CN first; each section keeps its own texts beside its page. */
const TEXTS = {
  admin: { zh: '系统管理', en: 'Administration' },
  sections: { zh: '管理项目', en: 'Sections' },
  chooseSection: { zh: '请在左侧选择要管理的项目。', en: 'Choose what to administer on the left.' },
  noSection: { zh: '没有这个管理项目。', en: 'No such section.' },
} as const;

export type AdminText = keyof typeof TEXTS;

export function at(key: AdminText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
