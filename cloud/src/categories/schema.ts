import { CategoryCode, IncidentSource, Severity, UrbanManagementCode } from '@gridlink/protocol';
import { z } from 'zod';

/** The steps of the closed loop that carry a time limit (docs/domain.md §4). */
/**
 * The steps a limit is set for: the clocks of docs/domain.md §4, and `arrive`, the response time
 * from dispatch to arrival on site (到场), measured beside them (cloud/src/deadlines/rules.ts).
 */
export const LimitedStep = z.enum(['file_dispatch', 'sign', 'handle', 'check', 'close', 'callback', 'arrive']);
export type LimitedStep = z.infer<typeof LimitedStep>;

export const LimitUnit = z.enum(['natural_minutes', 'natural_hours', 'natural_days', 'working_hours', 'working_days']);
export const Limit = z.strictObject({ value: z.int().min(1), unit: LimitUnit });
export type Limit = z.infer<typeof Limit>;

/** A category as administrators edit it. */
export const Category = z.strictObject({
  code: CategoryCode,
  name: z.strictObject({ zh: z.string().min(1).max(64), en: z.string().min(1).max(128) }),
  default_severity: Severity,
  unit_type: z.string().min(1).max(64).optional(),
  governance: z.boolean().default(true),
  urban_management_code: UrbanManagementCode.optional(),
  /** 立案条件: when a report of this category is filed (free text shown to operators). */
  filing_condition: z.string().max(1000).default(''),
  /** 结案条件: what must be true to close it. */
  closing_condition: z.string().max(1000).default(''),
  allowed_sources: z.array(IncidentSource).default([]),
  active: z.boolean().default(true),
});
export type Category = z.output<typeof Category>;
export type CategoryInput = z.input<typeof Category>;

/** One time-limit row; `category` and `severity` may be `*` (any). */
export const TimeLimitRule = z.strictObject({
  category: z.union([z.literal('*'), CategoryCode]),
  severity: z.union([z.literal('*'), Severity]),
  step: LimitedStep,
  limit: Limit,
});
export type TimeLimitRule = z.infer<typeof TimeLimitRule>;
