import { z } from 'zod';
import { CategoryCode } from '../vocabulary/categories.js';

/**
 * Residents' reports (随手拍, 市民上报) as the public phone page and the cloud exchange them
 * (`/api/v1/residents/…`, no account): the cloud parses requests with these schemas and the page
 * builds them with the same, so neither side keeps a copy of the other's shapes.
 */

/** A mainland mobile number: 11 digits starting 13–19. */
export const ResidentPhone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, { error: 'expected an 11-digit mobile number, e.g. 13812345678' });

/** The tracking code alphabet: no 0/O, 1/I/L, so a code read aloud or copied by hand stays right. */
export const TRACKING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const TRACKING_CODE_LENGTH = 10;
export const TrackingCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(new RegExp(`^[${TRACKING_ALPHABET}]{${TRACKING_CODE_LENGTH}}$`), {
    error: `expected the ${TRACKING_CODE_LENGTH}-character tracking code the report gave`,
  });

export const PhoneCodeRequest = z.strictObject({ phone: ResidentPhone });
export type PhoneCodeRequest = z.input<typeof PhoneCodeRequest>;

export interface PhoneCodeSent {
  /** Seconds until another code may be asked for this phone. */
  resend_after_s: number;
  /** Seconds the code stays valid. */
  expires_in_s: number;
}

/** Who reported: a phone confirmed by its SMS code, or nobody. */
export const ResidentContact = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('anonymous') }),
  z.strictObject({
    kind: z.literal('phone'),
    phone: ResidentPhone,
    code: z.string().regex(/^\d{6}$/, { error: 'expected the 6-digit code of the SMS' }),
  }),
]);
export type ResidentContact = z.input<typeof ResidentContact>;

export const ResidentPosition = z.strictObject({
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  accuracy_m: z.number().positive().max(2000, { error: 'a fix coarser than 2000 m is no position: type the address' }),
});

export const ResidentReportRequest = z
  .strictObject({
    /** The page's own id for this report: a resend returns the first answer. */
    request_id: z.string().min(8).max(64),
    category: CategoryCode,
    description: z
      .string()
      .trim()
      .min(5, { error: 'describe what you saw in at least 5 characters' })
      .max(1000, { error: 'at most 1000 characters' }),
    /** Ids of photos uploaded first (`POST /residents/photos`). */
    photos: z.array(z.uuid()).max(6, { error: 'at most 6 photos' }).default([]),
    position: ResidentPosition.optional(),
    address: z.string().trim().min(2).max(200).optional(),
    /** The community chosen on the page when the position does not say (`GET /residents/communities`). */
    community: z
      .string()
      .regex(/^\d{12}$/, { error: 'expected a 12-digit community code' })
      .optional(),
    contact: ResidentContact,
  })
  .refine((report) => report.position !== undefined || report.address !== undefined, {
    error: 'give where it is: allow the position or type the address',
    path: ['address'],
  });
export type ResidentReportRequest = z.input<typeof ResidentReportRequest>;

export interface ResidentReportReceipt {
  /** Shown once: the resident keeps it to follow the report (also sent by SMS to a confirmed phone). */
  tracking_code: string;
  status: ResidentStatus;
  sms_sent: boolean;
}

/** An incident's state in a resident's words. */
export const ResidentStatus = z.enum(['received', 'being_handled', 'handled', 'closed']);
export type ResidentStatus = z.infer<typeof ResidentStatus>;

export const Satisfaction = z.enum(['satisfied', 'basically_satisfied', 'unsatisfied']);
export type Satisfaction = z.infer<typeof Satisfaction>;

export const ResidentRatingRequest = z.strictObject({
  satisfaction: Satisfaction,
  solved: z.boolean(),
  note: z.string().trim().max(500).optional(),
});
export type ResidentRatingRequest = z.input<typeof ResidentRatingRequest>;

export interface ResidentTracking {
  tracking_code: string;
  category: { code: string; name: { zh: string; en: string } };
  status: ResidentStatus;
  reported_at: string;
  /** When each of the resident's steps was reached (null: not yet). */
  steps: Array<{ status: ResidentStatus; at: string | null }>;
  /** What was done, once closed. */
  result: { text: string | null; photos: Array<{ url: string; media_type: string }> } | null;
  rating: { satisfaction: Satisfaction; solved: boolean; note: string | null; rated_at: string } | null;
  can_rate: boolean;
}

export interface ResidentCategory {
  code: string;
  name: { zh: string; en: string };
}

export interface ResidentCommunity {
  code: string;
  name: string;
}

export interface ResidentPhoto {
  id: string;
  media_type: string;
  size_bytes: number;
}
