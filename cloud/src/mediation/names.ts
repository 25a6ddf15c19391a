import type { DisputeType, MediationLevel } from '@gridlink/protocol';

/** The dispute types in both languages (pages and KPI tables show these; the code is stored). */
export const DISPUTE_TYPE_NAMES: Record<DisputeType, { zh: string; en: string }> = {
  neighbour: { zh: '邻里纠纷', en: 'Neighbours' },
  family: { zh: '婚姻家庭纠纷', en: 'Family' },
  property: { zh: '物业纠纷', en: 'Property management' },
  labour: { zh: '劳动争议', en: 'Labour' },
  land: { zh: '土地纠纷', en: 'Land' },
  other: { zh: '其他纠纷', en: 'Other' },
};

/** The three levels of 三调联动. */
export const LEVEL_NAMES: Record<MediationLevel, { zh: string; en: string }> = {
  people: { zh: '人民调解', en: 'People’s mediation' },
  administrative: { zh: '行政调解', en: 'Administrative mediation' },
  judicial: { zh: '司法调解', en: 'Judicial mediation' },
};
