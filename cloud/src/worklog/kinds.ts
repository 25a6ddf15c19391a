/**
 * What an entry records: the small fixed vocabulary of the field, with its names in both languages
 * (the pages and exports show these; the code is what is stored and filtered on).
 */
export const ENTRY_KINDS = {
  household_visit: { zh: '入户走访', en: 'Household visit' },
  conversation: { zh: '谈心谈话', en: 'Conversation' },
  hazard_check: { zh: '隐患排查', en: 'Hazard check' },
  dispute_found: { zh: '矛盾纠纷排查', en: 'Dispute found' },
  help_given: { zh: '帮扶服务', en: 'Help given' },
  other: { zh: '其他', en: 'Other' },
} as const satisfies Record<string, { zh: string; en: string }>;

export type EntryKind = keyof typeof ENTRY_KINDS;
export const ENTRY_KIND_CODES = Object.keys(ENTRY_KINDS) as [EntryKind, ...EntryKind[]];
