import { z } from 'zod';

/** Alert severity shared by gateway rules and the cloud, lowest first. */
export const SEVERITIES = ['info', 'warning', 'minor', 'major', 'critical'] as const;
export const Severity = z.enum(SEVERITIES).meta({
  description: 'info < warning < minor < major < critical; critical means life safety (urgent incident)',
});
export type Severity = z.infer<typeof Severity>;

export const SEVERITY_NAMES: Record<Severity, { zh: string; en: string }> = {
  info: { zh: '提示', en: 'Info' },
  warning: { zh: '预警', en: 'Warning' },
  minor: { zh: '一般', en: 'Minor' },
  major: { zh: '重要', en: 'Major' },
  critical: { zh: '紧急', en: 'Critical' },
};

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
