import { randomUUID } from 'node:crypto';
import {
  type DisputeType,
  type FollowUpResult,
  type FollowUpResultBody,
  type MediationCaseQuery,
  type MediationLevel,
  type MediationOutcome,
  type MediationOutcomeBody,
  type MediationReferral,
  type MediationState,
  type NewFollowUp,
  type NewMediationCase,
  type NewMediationParty,
  type NewMediationSession,
  nextMediationLevel,
  type PartyRole,
} from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import type { ProblemCode } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type Actor, writeAudit } from '../people/audit.js';
import type { PersonalDataSeal } from '../privacy/seal.js';
import { MediationRefusal } from './errors.js';
import { maskIdNumber, maskName, maskPhone } from './mask.js';
import { DISPUTE_TYPE_NAMES, LEVEL_NAMES } from './names.js';
import { covers, type MediationReach, reachCondition, reachesCase } from './reach.js';
import { MediationSettingsStore } from './settings.js';

export const caseTarget = (id: string) => `mediation_case:${id}`;

/** Incidents of these categories are disputes (the seed `dispute` and any subcategory an admin adds). */
export const isDisputeCategory = (code: string): boolean => code === 'dispute' || code.startsWith('dispute.');

/** A party as every page shows it: masked; erased parties keep their role and a tombstone. */
export interface PartyView {
  id: string;
  role: PartyRole;
  name_masked: string | null;
  phone_masked: string | null;
  id_number_masked: string | null;
  consent: 'given' | 'withdrawn';
  /** Why the personal data is gone: consent withdrawn, or kept past the retention. */
  erased: 'withdrawn' | 'retention' | null;
  erased_at: Date | null;
}

export interface CaseView {
  id: string;
  incident_id: string;
  territory: string;
  dispute_type: DisputeType;
  dispute_type_name: { zh: string; en: string };
  level: MediationLevel;
  level_name: { zh: string; en: string };
  state: MediationState;
  mediator: { id: string; name: string };
  summary: string | null;
  opened_by: string;
  opened_at: Date;
  outcome: MediationOutcome | null;
  outcome_note: string | null;
  referral: MediationReferral | null;
  referred_from: string | null;
  /** The case opened at the next level when this one was referred there. */
  referred_to: string | null;
  closed_at: Date | null;
  has_agreement: boolean;
  parties: PartyView[];
}

export interface SessionView {
  id: string;
  held_at: Date;
  place: string;
  attendee_ids: string[];
  notes: string | null;
  recorded_by: string;
}

export interface FollowUpView {
  id: string;
  due_on: string;
  result: FollowUpResult | null;
  note: string | null;
  done_at: Date | null;
}

export interface AgreementView {
  id: string;
  media_type: string;
  name: string;
  size_bytes: number;
  uploaded_at: Date;
}

export interface CaseDetail extends CaseView {
  incident: { id: string; title: string; category: string };
  sessions: SessionView[];
  follow_ups: FollowUpView[];
  agreement: AgreementView | null;
  /** The cases before this one, oldest first (the levels it went through). */
  history: { id: string; level: MediationLevel; outcome: MediationOutcome | null; closed_at: Date | null }[];
}

export interface CasePage {
  cases: CaseView[];
  total: number;
  page: number;
  page_size: number;
}

interface CaseRow {
  id: string;
  incident_id: string;
  territory: string;
  dispute_type: DisputeType;
  level: MediationLevel;
  state: MediationState;
  mediator_id: string;
  mediator_name: string | null;
  summary: string | null;
  opened_by: string;
  opened_at: Date;
  outcome: MediationOutcome | null;
  outcome_note: string | null;
  referral: MediationReferral | null;
  referred_from: string | null;
  referred_to: string | null;
  closed_at: Date | null;
  agreement_attachment_id: string | null;
}

const SELECT_CASE = `SELECT c.id, c.incident_id, c.territory, c.dispute_type, c.level, c.state, c.mediator_id,
    u.display_name AS mediator_name, c.summary, c.opened_by, c.opened_at, c.outcome, c.outcome_note, c.referral,
    c.referred_from, (SELECT n.id FROM mediation_cases n WHERE n.referred_from = c.id LIMIT 1) AS referred_to,
    c.closed_at, c.agreement_attachment_id
  FROM mediation_cases c LEFT JOIN users u ON u.id = c.mediator_id`;

const PARTY_COLUMNS =
  'id, case_id, role, name_masked, phone_masked, id_number_masked, consent, erased, erased_at, position';

type PartyRow = PartyView & { case_id: string };

const partyView = ({ case_id: _, position: __, ...party }: PartyRow & { position?: number }): PartyView => party;

const refuse = (problem: ProblemCode, code: string, params: Record<string, unknown> = {}, pointer?: string) =>
  new MediationRefusal(
    problem,
    message(code, params),
    pointer === undefined ? undefined : [{ detail: message(code, params), pointer }],
  );

/**
 * Mediation cases 三调联动 (migration 0052): opened for dispute incidents, read and acted on by
 * those whose scope covers the incident and by the mediator assigned ({@link MediationReach}).
 * Parties' names, phones and ID numbers are sealed at rest, masked everywhere, revealed with an
 * audit record, erased when a party withdraws consent or the retention after closing runs out.
 */
export class MediationStore {
  readonly settings: MediationSettingsStore;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly seal: PersonalDataSeal,
  ) {
    this.settings = new MediationSettingsStore(db, clock);
  }

  /** Opens a case for a dispute incident the caller covers, with a mediator over the incident's place. */
  async open(reach: MediationReach, actor: Actor, input: NewMediationCase): Promise<CaseView> {
    const now = this.clock();
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ territory: string; category_code: string }>(
        "SELECT coalesce(grid, community, '') AS territory, category_code FROM incidents WHERE id = $1 AND NOT drill",
        [input.incident_id],
      );
      const incident = rows[0];
      if (!incident || !covers(reach, incident.territory))
        throw refuse('GL_NOT_FOUND', 'mediation.incident_unknown', { id: input.incident_id }, '/incident_id');
      if (!isDisputeCategory(incident.category_code))
        throw refuse(
          'GL_VALIDATION_FAILED',
          'mediation.not_a_dispute',
          { id: input.incident_id, category: incident.category_code },
          '/incident_id',
        );
      await this.checkMediator(tx, input.mediator_id, incident.territory, '/mediator_id');
      await tx.query(
        `INSERT INTO mediation_cases (id, incident_id, territory, dispute_type, level, mediator_id, summary, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id,
          input.incident_id,
          incident.territory,
          input.dispute_type,
          input.level,
          input.mediator_id,
          input.summary ?? null,
          reach.userId,
          now,
        ],
      );
      await writeAudit(tx, {
        actor,
        action: 'mediation.case.open',
        target: caseTarget(id),
        at: now,
        details: { incident: input.incident_id, level: input.level, mediator: input.mediator_id },
      });
    });
    return (await this.view(this.db, id)) as CaseView;
  }

  /** The users who may mediate at `territory`: a `mediator` role whose scope holds it. */
  async mediators(territory: string): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.db.query<{ id: string; name: string }>(
      `SELECT DISTINCT u.id, u.display_name AS name FROM users u JOIN role_assignments r ON r.user_id = u.id
        WHERE r.role = 'mediator' AND $1 LIKE r.scope || '%' AND u.active ORDER BY u.display_name, u.id`,
      [territory],
    );
    return rows;
  }

  /** The cases `reach` reads that match `query`, newest first; parties masked. */
  async list(reach: MediationReach, query: MediationCaseQuery): Promise<CasePage> {
    const params: unknown[] = [];
    const where = [reachCondition(reach, params)];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.state !== undefined) where.push(`c.state = ${param(query.state)}`);
    if (query.level !== undefined) where.push(`c.level = ${param(query.level)}`);
    if (query.dispute_type !== undefined) where.push(`c.dispute_type = ${param(query.dispute_type)}`);
    if (query.incident_id !== undefined) where.push(`c.incident_id = ${param(query.incident_id)}`);
    const condition = where.join(' AND ');
    const countParams = [...params];
    const limit = param(query.page_size);
    const offset = param((query.page - 1) * query.page_size);
    const [rows, count] = await Promise.all([
      this.db.query<CaseRow>(
        `${SELECT_CASE} WHERE ${condition} ORDER BY c.opened_at DESC, c.id DESC LIMIT ${limit} OFFSET ${offset}`,
        params,
      ),
      this.db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM mediation_cases c WHERE ${condition}`,
        countParams,
      ),
    ]);
    const parties = await this.partiesOf(
      this.db,
      rows.rows.map((row) => row.id),
    );
    return {
      cases: rows.rows.map((row) => toView(row, parties.get(row.id) ?? [])),
      total: Number(count.rows[0]?.n ?? 0),
      page: query.page,
      page_size: query.page_size,
    };
  }

  /** The case if `reach` reads it, with its sessions, follow-ups, agreement and history. */
  async detail(reach: MediationReach, id: string): Promise<CaseDetail | undefined> {
    const found = await this.view(this.db, id);
    if (!found || !reachesCase(reach, { territory: found.territory, mediator_id: found.mediator.id })) return undefined;
    const [incident, sessions, followUps, agreement, history] = await Promise.all([
      this.db.query<{ id: string; title: string; category: string }>(
        'SELECT id, title, category_code AS category FROM incidents WHERE id = $1',
        [found.incident_id],
      ),
      this.db.query<SessionView>(
        `SELECT id, held_at, place, attendee_ids, notes, recorded_by FROM mediation_sessions
          WHERE case_id = $1 ORDER BY held_at, id`,
        [id],
      ),
      this.db.query<FollowUpView & { due_on: Date | string }>(
        `SELECT id, to_char(due_on, 'YYYY-MM-DD') AS due_on, result, note, done_at FROM mediation_follow_ups
          WHERE case_id = $1 ORDER BY due_on, id`,
        [id],
      ),
      this.db.query<AgreementView>(
        `SELECT a.id, a.media_type, a.name, a.size_bytes, a.uploaded_at FROM mediation_cases c
           JOIN attachments a ON a.id = c.agreement_attachment_id WHERE c.id = $1`,
        [id],
      ),
      this.db.query<{ id: string; level: MediationLevel; outcome: MediationOutcome | null; closed_at: Date | null }>(
        `WITH RECURSIVE chain AS (
           SELECT id, level, outcome, closed_at, referred_from, 1 AS depth FROM mediation_cases
            WHERE id = (SELECT referred_from FROM mediation_cases WHERE id = $1)
           UNION ALL
           SELECT p.id, p.level, p.outcome, p.closed_at, p.referred_from, chain.depth + 1
             FROM mediation_cases p JOIN chain ON p.id = chain.referred_from)
         SELECT id, level, outcome, closed_at FROM chain ORDER BY depth DESC`,
        [id],
      ),
    ]);
    const agreementRow = agreement.rows[0];
    return {
      ...found,
      incident: incident.rows[0] ?? { id: found.incident_id, title: '', category: '' },
      sessions: sessions.rows,
      follow_ups: followUps.rows.map((row) => ({ ...row, due_on: String(row.due_on) })),
      agreement: agreementRow === undefined ? null : { ...agreementRow, size_bytes: Number(agreementRow.size_bytes) },
      history: history.rows,
    };
  }

  /** Adds a party who consented to the processing of their data; name, phone and ID sealed. */
  async addParty(reach: MediationReach, actor: Actor, caseId: string, input: NewMediationParty): Promise<PartyView> {
    const now = this.clock();
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      await this.reachable(tx, reach, caseId, { open: true });
      const { rows } = await tx.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM mediation_parties WHERE case_id = $1',
        [caseId],
      );
      const inserted = await tx.query<PartyRow>(
        `INSERT INTO mediation_parties (id, case_id, role, name_masked, phone_masked, id_number_masked, name_sealed,
           phone_sealed, id_number_sealed, consent, position, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'given', $10, $11) RETURNING ${PARTY_COLUMNS}`,
        [
          id,
          caseId,
          input.role,
          maskName(input.name),
          input.phone === undefined ? null : maskPhone(input.phone),
          input.id_number === undefined ? null : maskIdNumber(input.id_number),
          this.seal.seal(input.name, id),
          input.phone === undefined ? null : this.seal.seal(input.phone, id),
          input.id_number === undefined ? null : this.seal.seal(input.id_number.toUpperCase(), id),
          Number(rows[0]?.n ?? 0) + 1,
          now,
        ],
      );
      await writeAudit(tx, {
        actor,
        action: 'mediation.party.add',
        target: caseTarget(caseId),
        at: now,
        details: { party: id, role: input.role },
      });
      return partyView(inserted.rows[0] as PartyRow);
    });
  }

  /**
   * A party's personal data in full for a reader of the case: each reveal is written to the audit
   * log in the same transaction (never the data itself). Undefined when the case or party is not
   * the reader's; an erased party reveals nothing but its tombstone.
   */
  async reveal(
    reach: MediationReach,
    actor: Actor,
    caseId: string,
    partyId: string,
  ): Promise<
    | {
        name: string | null;
        phone: string | null;
        id_number: string | null;
        erased: 'withdrawn' | 'retention' | null;
        revealed_at: Date;
      }
    | undefined
  > {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      if (!(await this.reachable(tx, reach, caseId, { quiet: true }))) return undefined;
      const { rows } = await tx.query<{
        name_sealed: string | null;
        phone_sealed: string | null;
        id_number_sealed: string | null;
        erased: 'withdrawn' | 'retention' | null;
      }>(
        'SELECT name_sealed, phone_sealed, id_number_sealed, erased FROM mediation_parties WHERE id = $1 AND case_id = $2',
        [partyId, caseId],
      );
      const row = rows[0];
      if (!row) return undefined;
      await writeAudit(tx, {
        actor,
        action: 'mediation.party.reveal',
        target: caseTarget(caseId),
        at: now,
        details: { party: partyId, mediator: (await this.mediatorOf(tx, caseId)) === reach.userId },
      });
      const open = (sealed: string | null) => (sealed === null ? null : (this.seal.open(sealed, partyId) ?? null));
      return {
        name: open(row.name_sealed),
        phone: open(row.phone_sealed),
        id_number: open(row.id_number_sealed),
        erased: row.erased,
        revealed_at: now,
      };
    });
  }

  /**
   * The party withdraws consent: their personal data is erased there and then (tombstone
   * `withdrawn`); the case keeps its non-personal record (the party's role, sessions, outcome).
   */
  async withdrawConsent(reach: MediationReach, actor: Actor, caseId: string, partyId: string): Promise<PartyView> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      await this.reachable(tx, reach, caseId);
      const { rows } = await tx.query<PartyRow>(
        `UPDATE mediation_parties SET consent = 'withdrawn', erased = coalesce(erased, 'withdrawn'),
                erased_at = coalesce(erased_at, $3), name_masked = NULL, phone_masked = NULL, id_number_masked = NULL,
                name_sealed = NULL, phone_sealed = NULL, id_number_sealed = NULL
          WHERE id = $1 AND case_id = $2 RETURNING ${PARTY_COLUMNS}`,
        [partyId, caseId, now],
      );
      const row = rows[0];
      if (!row) throw refuse('GL_NOT_FOUND', 'mediation.party_unknown', { id: partyId });
      await writeAudit(tx, {
        actor,
        action: 'mediation.party.consent_withdrawn',
        target: caseTarget(caseId),
        at: now,
        details: { party: partyId },
      });
      return partyView(row);
    });
  }

  /** Records a session; its attendees must be parties of the case. */
  async addSession(
    reach: MediationReach,
    actor: Actor,
    caseId: string,
    input: NewMediationSession,
  ): Promise<SessionView> {
    const now = this.clock();
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      await this.reachable(tx, reach, caseId, { open: true });
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM mediation_parties WHERE case_id = $1', [caseId]);
      const parties = new Set(rows.map((row) => row.id));
      const strangerAt = input.attendee_ids.findIndex((attendee) => !parties.has(attendee));
      if (strangerAt >= 0)
        throw refuse(
          'GL_VALIDATION_FAILED',
          'mediation.attendee_unknown',
          { id: input.attendee_ids[strangerAt] },
          `/attendee_ids/${strangerAt}`,
        );
      const attendees = [...new Set(input.attendee_ids)];
      await tx.query(
        `INSERT INTO mediation_sessions (id, case_id, held_at, place, attendee_ids, notes, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, caseId, input.held_at, input.place, attendees, input.notes ?? null, reach.userId, now],
      );
      await writeAudit(tx, {
        actor,
        action: 'mediation.session.add',
        target: caseTarget(caseId),
        at: now,
        details: { session: id },
      });
      return {
        id,
        held_at: input.held_at,
        place: input.place,
        attendee_ids: attendees,
        notes: input.notes ?? null,
        recorded_by: reach.userId,
      };
    });
  }

  /**
   * Records the outcome and closes the case. A failed case may be referred: to court (诉讼引导),
   * or to the next level, which opens a new case there linked to this one, with its parties.
   */
  async recordOutcome(
    reach: MediationReach,
    actor: Actor,
    caseId: string,
    input: MediationOutcomeBody,
  ): Promise<{ case: CaseView; referred_to: CaseView | null }> {
    const now = this.clock();
    const nextId = await this.db.transaction(async (tx) => {
      const found = await this.reachable(tx, reach, caseId, { open: true });
      if (input.referral !== undefined && input.outcome !== 'failed')
        throw refuse('GL_VALIDATION_FAILED', 'mediation.referral_needs_failure', {}, '/referral');
      const { rows } = await tx.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM mediation_sessions WHERE case_id = $1',
        [caseId],
      );
      if (Number(rows[0]?.n ?? 0) === 0) throw refuse('GL_MEDIATION_CONFLICT', 'mediation.outcome_needs_session');
      let next: { id: string; level: MediationLevel } | undefined;
      if (input.referral === 'next_level') {
        const level = nextMediationLevel(found.level);
        if (level === undefined)
          throw refuse('GL_VALIDATION_FAILED', 'mediation.no_next_level', { level: found.level }, '/referral');
        if (input.next_mediator_id === undefined)
          throw refuse('GL_VALIDATION_FAILED', 'mediation.next_mediator_needed', {}, '/next_mediator_id');
        await this.checkMediator(tx, input.next_mediator_id, found.territory, '/next_mediator_id');
        next = { id: randomUUID(), level };
      }
      await tx.query(
        `UPDATE mediation_cases SET state = 'closed', outcome = $2, outcome_note = $3, referral = $4, closed_at = $5,
                closed_by = $6 WHERE id = $1`,
        [caseId, input.outcome, input.note ?? null, input.referral ?? null, now, reach.userId],
      );
      if (next !== undefined) {
        await tx.query(
          `INSERT INTO mediation_cases (id, incident_id, territory, dispute_type, level, mediator_id, summary, opened_by,
             opened_at, referred_from)
           SELECT $2, incident_id, territory, dispute_type, $3, $4, summary, $5, $6, id FROM mediation_cases WHERE id = $1`,
          [caseId, next.id, next.level, input.next_mediator_id, reach.userId, now],
        );
        await this.copyParties(tx, caseId, next.id, now);
      }
      await writeAudit(tx, {
        actor,
        action: 'mediation.case.close',
        target: caseTarget(caseId),
        at: now,
        details: { outcome: input.outcome, referral: input.referral ?? null, referred_to: next?.id ?? null },
      });
      return next?.id;
    });
    const closed = (await this.view(this.db, caseId)) as CaseView;
    return { case: closed, referred_to: nextId === undefined ? null : ((await this.view(this.db, nextId)) ?? null) };
  }

  /** Keeps a signed agreement (PDF or photo) stored as a file of the case's incident. */
  async setAgreement(reach: MediationReach, actor: Actor, caseId: string, attachmentId: string): Promise<void> {
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      const found = await this.reachable(tx, reach, caseId);
      if (found.outcome !== 'agreement' && found.outcome !== 'partial_agreement')
        throw refuse('GL_MEDIATION_CONFLICT', 'mediation.agreement_needs_outcome');
      await tx.query('UPDATE mediation_cases SET agreement_attachment_id = $2 WHERE id = $1', [caseId, attachmentId]);
      await writeAudit(tx, {
        actor,
        action: 'mediation.agreement.add',
        target: caseTarget(caseId),
        at: now,
        details: { attachment: attachmentId },
      });
    });
  }

  /** The case's agreement file id, if `reach` reads the case. */
  async agreementOf(reach: MediationReach, caseId: string): Promise<{ attachmentId: string | null } | undefined> {
    const found = await this.view(this.db, caseId);
    if (!found || !reachesCase(reach, { territory: found.territory, mediator_id: found.mediator.id })) return undefined;
    const { rows } = await this.db.query<{ agreement_attachment_id: string | null }>(
      'SELECT agreement_attachment_id FROM mediation_cases WHERE id = $1',
      [caseId],
    );
    return { attachmentId: rows[0]?.agreement_attachment_id ?? null };
  }

  /** The case as the caller may act on it, for the routes' checks before an upload. */
  async actable(reach: MediationReach, caseId: string): Promise<CaseView | undefined> {
    const found = await this.view(this.db, caseId);
    return found && reachesCase(reach, { territory: found.territory, mediator_id: found.mediator.id })
      ? found
      : undefined;
  }

  /** Plans a follow-up visit (回访) after an agreement. */
  async addFollowUp(reach: MediationReach, actor: Actor, caseId: string, input: NewFollowUp): Promise<FollowUpView> {
    const now = this.clock();
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      const found = await this.reachable(tx, reach, caseId);
      if (found.outcome !== 'agreement' && found.outcome !== 'partial_agreement')
        throw refuse('GL_MEDIATION_CONFLICT', 'mediation.follow_up_needs_agreement');
      await tx.query('INSERT INTO mediation_follow_ups (id, case_id, due_on, created_at) VALUES ($1, $2, $3, $4)', [
        id,
        caseId,
        input.due_on,
        now,
      ]);
      await writeAudit(tx, {
        actor,
        action: 'mediation.follow_up.add',
        target: caseTarget(caseId),
        at: now,
        details: { follow_up: id, due_on: input.due_on },
      });
      return { id, due_on: input.due_on, result: null, note: null, done_at: null };
    });
  }

  /** What the follow-up visit found: the agreement honoured or not. */
  async recordFollowUp(
    reach: MediationReach,
    actor: Actor,
    caseId: string,
    followUpId: string,
    input: FollowUpResultBody,
  ): Promise<FollowUpView> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      await this.reachable(tx, reach, caseId);
      const { rows } = await tx.query<FollowUpView>(
        `UPDATE mediation_follow_ups SET result = $3, note = $4, done_at = $5, done_by = $6
          WHERE id = $1 AND case_id = $2
          RETURNING id, to_char(due_on, 'YYYY-MM-DD') AS due_on, result, note, done_at`,
        [followUpId, caseId, input.result, input.note ?? null, now, reach.userId],
      );
      const row = rows[0];
      if (!row) throw refuse('GL_NOT_FOUND', 'mediation.follow_up_unknown', { id: followUpId });
      await writeAudit(tx, {
        actor,
        action: 'mediation.follow_up.record',
        target: caseTarget(caseId),
        at: now,
        details: { follow_up: followUpId, result: input.result },
      });
      return row;
    });
  }

  private async view(q: Queryable, id: string): Promise<CaseView | undefined> {
    const { rows } = await q.query<CaseRow>(`${SELECT_CASE} WHERE c.id = $1`, [id]);
    const row = rows[0];
    if (!row) return undefined;
    const parties = await this.partiesOf(q, [id]);
    return toView(row, parties.get(id) ?? []);
  }

  private async partiesOf(q: Queryable, caseIds: string[]): Promise<Map<string, PartyView[]>> {
    const byCase = new Map<string, PartyView[]>();
    if (caseIds.length === 0) return byCase;
    const { rows } = await q.query<PartyRow>(
      `SELECT ${PARTY_COLUMNS} FROM mediation_parties WHERE case_id = ANY($1::uuid[]) ORDER BY position, id`,
      [caseIds],
    );
    for (const row of rows) byCase.set(row.case_id, [...(byCase.get(row.case_id) ?? []), partyView(row)]);
    return byCase;
  }

  private async mediatorOf(q: Queryable, caseId: string): Promise<string | undefined> {
    const { rows } = await q.query<{ mediator_id: string }>('SELECT mediator_id FROM mediation_cases WHERE id = $1', [
      caseId,
    ]);
    return rows[0]?.mediator_id;
  }

  /**
   * The case, locked, when `reach` acts on it; else a not-found refusal (out of scope reads the
   * same as absent). `open` also refuses a closed case; `quiet` answers undefined instead.
   */
  private async reachable(
    q: Queryable,
    reach: MediationReach,
    caseId: string,
    options: { open?: boolean; quiet: true },
  ): Promise<CaseRow | undefined>;
  private async reachable(
    q: Queryable,
    reach: MediationReach,
    caseId: string,
    options?: { open?: boolean },
  ): Promise<CaseRow>;
  private async reachable(
    q: Queryable,
    reach: MediationReach,
    caseId: string,
    options: { open?: boolean; quiet?: boolean } = {},
  ): Promise<CaseRow | undefined> {
    const { rows } = await q.query<CaseRow>(
      `SELECT c.*, NULL AS mediator_name, NULL AS referred_to FROM mediation_cases c WHERE c.id = $1 FOR UPDATE`,
      [caseId],
    );
    const row = rows[0];
    if (!row || !reachesCase(reach, row)) {
      if (options.quiet) return undefined;
      throw refuse('GL_NOT_FOUND', 'mediation.case_unknown', { id: caseId });
    }
    if (options.open && row.state !== 'open') throw refuse('GL_MEDIATION_CONFLICT', 'mediation.case_closed');
    return row;
  }

  /** `userId` must hold the mediator role over `territory`. */
  private async checkMediator(q: Queryable, userId: string, territory: string, pointer: string): Promise<void> {
    const { rows } = await q.query(
      `SELECT 1 FROM role_assignments r JOIN users u ON u.id = r.user_id
        WHERE r.user_id = $1 AND r.role = 'mediator' AND $2 LIKE r.scope || '%' AND u.active`,
      [userId, territory],
    );
    if (rows.length === 0)
      throw refuse('GL_VALIDATION_FAILED', 'mediation.mediator_unknown', { id: userId, territory }, pointer);
  }

  /** The parties of a referred case go with it, each sealed again for its new record. */
  private async copyParties(q: Queryable, from: string, to: string, now: Date): Promise<void> {
    const { rows } = await q.query<{
      id: string;
      role: PartyRole;
      name_masked: string | null;
      phone_masked: string | null;
      id_number_masked: string | null;
      name_sealed: string | null;
      phone_sealed: string | null;
      id_number_sealed: string | null;
      position: number;
    }>(
      `SELECT id, role, name_masked, phone_masked, id_number_masked, name_sealed, phone_sealed, id_number_sealed, position
         FROM mediation_parties WHERE case_id = $1 AND erased IS NULL ORDER BY position`,
      [from],
    );
    for (const party of rows) {
      const id = randomUUID();
      const reseal = (sealed: string | null) => {
        const text = sealed === null ? undefined : this.seal.open(sealed, party.id);
        return text === undefined ? null : this.seal.seal(text, id);
      };
      await q.query(
        `INSERT INTO mediation_parties (id, case_id, role, name_masked, phone_masked, id_number_masked, name_sealed,
           phone_sealed, id_number_sealed, consent, position, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'given', $10, $11)`,
        [
          id,
          to,
          party.role,
          party.name_masked,
          party.phone_masked,
          party.id_number_masked,
          reseal(party.name_sealed),
          reseal(party.phone_sealed),
          reseal(party.id_number_sealed),
          party.position,
          now,
        ],
      );
    }
  }
}

function toView(row: CaseRow, parties: PartyView[]): CaseView {
  return {
    id: row.id,
    incident_id: row.incident_id,
    territory: row.territory,
    dispute_type: row.dispute_type,
    dispute_type_name: DISPUTE_TYPE_NAMES[row.dispute_type],
    level: row.level,
    level_name: LEVEL_NAMES[row.level],
    state: row.state,
    mediator: { id: row.mediator_id, name: row.mediator_name ?? row.mediator_id },
    summary: row.summary,
    opened_by: row.opened_by,
    opened_at: row.opened_at,
    outcome: row.outcome,
    outcome_note: row.outcome_note,
    referral: row.referral,
    referred_from: row.referred_from,
    referred_to: row.referred_to,
    closed_at: row.closed_at,
    has_agreement: row.agreement_attachment_id !== null,
    parties,
  };
}
