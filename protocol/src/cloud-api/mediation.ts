import { z } from 'zod';

/**
 * The cloud's dispute mediation API (三调联动, `/api/v1/mediation`) as clients send it: the cloud
 * parses its requests with these schemas and the web pages build them with the same.
 */

/** What the dispute is about. */
export const DISPUTE_TYPES = ['neighbour', 'family', 'property', 'labour', 'land', 'other'] as const;
export const DisputeType = z.enum(DISPUTE_TYPES);
export type DisputeType = z.infer<typeof DisputeType>;

/** The three levels of 三调联动, in the order a failed mediation is referred up. */
export const MEDIATION_LEVELS = ['people', 'administrative', 'judicial'] as const;
export const MediationLevel = z.enum(MEDIATION_LEVELS);
export type MediationLevel = z.infer<typeof MediationLevel>;

/** The level a failed mediation is referred to, or undefined after the last. */
export const nextMediationLevel = (level: MediationLevel): MediationLevel | undefined =>
  MEDIATION_LEVELS[MEDIATION_LEVELS.indexOf(level) + 1];

export const PARTY_ROLES = ['applicant', 'respondent', 'other'] as const;
export const PartyRole = z.enum(PARTY_ROLES);
export type PartyRole = z.infer<typeof PartyRole>;

export const MEDIATION_OUTCOMES = ['agreement', 'partial_agreement', 'failed'] as const;
export const MediationOutcome = z.enum(MEDIATION_OUTCOMES);
export type MediationOutcome = z.infer<typeof MediationOutcome>;

/** Where a failed mediation goes: the next level (a new linked case) or to court (诉讼引导). */
export const MEDIATION_REFERRALS = ['next_level', 'court'] as const;
export const MediationReferral = z.enum(MEDIATION_REFERRALS);
export type MediationReferral = z.infer<typeof MediationReferral>;

export const FOLLOW_UP_RESULTS = ['honoured', 'not_honoured'] as const;
export const FollowUpResult = z.enum(FOLLOW_UP_RESULTS);
export type FollowUpResult = z.infer<typeof FollowUpResult>;

export const MEDIATION_STATES = ['open', 'closed'] as const;
export const MediationState = z.enum(MEDIATION_STATES);
export type MediationState = z.infer<typeof MediationState>;

const Text = (max: number) => z.string().trim().min(1).max(max);
const Instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const UserId = z.string().min(1).max(64);

/** `POST /mediation/cases`: a case for a dispute incident. */
export const NewMediationCase = z.strictObject({
  incident_id: z.string().min(1).max(64),
  dispute_type: DisputeType,
  level: MediationLevel.default('people'),
  /** A user with the `mediator` role over the incident's place. */
  mediator_id: UserId,
  summary: Text(2000).optional(),
});
export type NewMediationCase = z.output<typeof NewMediationCase>;

/** `POST /mediation/cases/{id}/parties`: recorded only with the party's consent to processing. */
export const NewMediationParty = z.strictObject({
  name: Text(64),
  phone: z
    .string()
    .regex(/^\+?\d[\d -]{5,18}\d$/, { error: 'expected a phone number of digits, e.g. 13812345678' })
    .optional(),
  id_number: z
    .string()
    .regex(/^\d{17}[\dXx]$/, { error: 'expected an 18-character resident ID number' })
    .optional(),
  role: PartyRole,
  consent: z.literal('given'),
});
export type NewMediationParty = z.output<typeof NewMediationParty>;

/** `POST /mediation/cases/{id}/sessions`: one sitting of the mediation. */
export const NewMediationSession = z.strictObject({
  held_at: Instant,
  place: Text(200),
  /** Parties of the case who attended, by id. */
  attendee_ids: z.array(z.uuid()).max(50).default([]),
  notes: Text(4000).optional(),
});
export type NewMediationSession = z.output<typeof NewMediationSession>;

/** `POST /mediation/cases/{id}/outcome`: closes the case; a failed one may be referred. */
export const MediationOutcomeBody = z.strictObject({
  outcome: MediationOutcome,
  note: Text(4000).optional(),
  referral: MediationReferral.optional(),
  /** For a referral to the next level: that level's mediator. */
  next_mediator_id: UserId.optional(),
});
export type MediationOutcomeBody = z.output<typeof MediationOutcomeBody>;

/** `POST /mediation/cases/{id}/follow-ups`: a visit (回访) due after an agreement. */
export const NewFollowUp = z.strictObject({ due_on: z.iso.date() });
export type NewFollowUp = z.output<typeof NewFollowUp>;

/** `PUT /mediation/cases/{id}/follow-ups/{fid}`: what the visit found. */
export const FollowUpResultBody = z.strictObject({ result: FollowUpResult, note: Text(2000).optional() });
export type FollowUpResultBody = z.output<typeof FollowUpResultBody>;

/** `GET /mediation/cases`: filters and page. */
export const MediationCaseQuery = z.strictObject({
  state: MediationState.optional(),
  level: MediationLevel.optional(),
  dispute_type: DisputeType.optional(),
  incident_id: z.string().min(1).max(64).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
export type MediationCaseQuery = z.output<typeof MediationCaseQuery>;

/** `PUT /mediation/settings`: how long parties' personal data is kept after a case closes. */
export const MediationSettings = z.strictObject({ retention_days: z.int().min(30).max(3650) });
export type MediationSettings = z.output<typeof MediationSettings>;
