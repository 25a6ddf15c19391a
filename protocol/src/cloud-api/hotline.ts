import { z } from 'zod';

/**
 * The hotline API as a hotline platform (12345, 110 非警务 transfers, 信访) calls it and hears back
 * (`/api/v1/hotline`): the cloud parses orders and updates with these, the platform simulator
 * builds them with the same.
 */

/** The channels a hotline platform files through: the incident sources they become. */
export const HotlineChannel = z.enum(['hotline_12345', 'transfer_110', 'petition']);
export type HotlineChannel = z.infer<typeof HotlineChannel>;

/** The platform's own ticket number, e.g. `12345-20261206-000123`. */
export const HotlineTicket = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { error: 'expected a ticket number of letters, digits, - and _' });

export const HotlineOrder = z.strictObject({
  ticket: HotlineTicket,
  channel: HotlineChannel,
  caller: z.strictObject({
    name: z.string().trim().min(1).max(50),
    phone: z.string().regex(/^(\+?86)?(1\d{10}|0\d{2,3}-?\d{7,8})$/, {
      error: 'expected a mainland mobile (13812345678) or a landline with its area code (0755-12345678)',
    }),
  }),
  content: z.string().trim().min(1).max(4000),
  /** The platform's category code; mapped to a cloud category by the platform's table. */
  category_code: z.string().min(1).max(64),
  /** Where: a 12-digit community or 15-digit grid inside the platform's territory, and the address said. */
  territory_code: z.string().regex(/^\d{12}(\d{3})?$/, { error: 'expected a 12-digit community or 15-digit grid' }),
  address: z.string().trim().min(1).max(500),
  /** When the platform wants it done (办结时限). */
  deadline: z.iso.datetime({ offset: true }).optional(),
});
export type HotlineOrder = z.infer<typeof HotlineOrder>;

export const HotlineUpdateKind = z.enum(['supplement', 'urge', 'withdraw']);
export type HotlineUpdateKind = z.infer<typeof HotlineUpdateKind>;

/** An update of an order (补充, 催办, 撤单), numbered by the platform from 1 per order. */
export const HotlineUpdate = z.strictObject({
  seq: z.int().min(1),
  kind: HotlineUpdateKind,
  content: z.string().trim().min(1).max(4000).optional(),
});
export type HotlineUpdate = z.infer<typeof HotlineUpdate>;

/** The platform's answer to an extension request (延期申请). */
export const HotlineExtensionAnswer = z.strictObject({
  approved: z.boolean(),
  /** The new deadline when approved (defaults to the one asked for). */
  deadline: z.iso.datetime({ offset: true }).optional(),
  comment: z.string().max(1000).optional(),
});
export type HotlineExtensionAnswer = z.infer<typeof HotlineExtensionAnswer>;

/** What the cloud pushes back: 受理, each step, 办理结果, 办结, 退单, 延期申请. */
export const HotlinePushKind = z.enum(['accepted', 'progress', 'result', 'closed', 'returned', 'extension_request']);
export type HotlinePushKind = z.infer<typeof HotlinePushKind>;

/** One push-back as the platform receives it (the webhook's JSON body). */
export interface HotlinePush {
  /** Increases per order: the platform may check it has every one, in order. */
  push_id: number;
  ticket: string;
  kind: HotlinePushKind;
  incident_id: string;
  at: string;
  /** Kind-specific: `state`, `action`, `text`, `reason`, `requested_deadline`. */
  data: Record<string, unknown>;
}

/** The headers of a push-back: HMAC-SHA256 (hex) of `<timestamp>.<body>` under the platform's secret. */
export const HOTLINE_SIGNATURE_HEADER = 'x-gridlink-signature';
export const HOTLINE_TIMESTAMP_HEADER = 'x-gridlink-timestamp';
