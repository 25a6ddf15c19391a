import type { Queryable } from '../db/db.js';
import type { Incident, IncidentStep } from '../incidents/index.js';
import { maskPhone } from '../privacy/mask.js';

/** A reporter's phone as the callback queue shows it: masked, the number itself only on reveal. */
export interface ReporterContact {
  /** 138****1234. */
  masked: string;
  /** The full number; the caller audits the reveal. */
  reveal(): Promise<string>;
}

/**
 * Where one kind of report keeps the reporter's phone. Given the incident and its first (report)
 * step, a source answers the contact, or undefined when the report is not its kind or left no
 * number. Resident reports and hotline calls carry a sealed phone of their own: those features
 * export a source over their store (it needs the seal), and the app adds it to the list.
 */
export type ReporterContactSource = (
  q: Queryable,
  incident: Incident,
  report: IncidentStep,
) => Promise<ReporterContact | undefined>;

/**
 * A report a grid worker or property manager made themselves (on patrol, on their rounds): the
 * reporter is the step's actor, reached at their contact (`user_contacts`). An operator's report
 * records a caller's words, not the operator's own: not this source's.
 */
export const reportingUserContact: ReporterContactSource = async (q, _incident, report) => {
  if (report.role !== 'grid_worker' && report.role !== 'property_manager') return undefined;
  const { rows } = await q.query<{ phone: string }>('SELECT phone FROM user_contacts WHERE user_id = $1', [
    report.actor,
  ]);
  const phone = rows[0]?.phone;
  return phone === undefined ? undefined : { masked: maskPhone(phone), reveal: async () => phone };
};

/** The sources that need nothing but the database; the first that knows the reporter answers. */
export const REPORTER_CONTACT_SOURCES: readonly ReporterContactSource[] = [reportingUserContact];

/** The reporter's contact from the first source that has one; none by default. */
export async function reporterContact(
  q: Queryable,
  incident: Incident,
  report: IncidentStep,
  sources: readonly ReporterContactSource[] = REPORTER_CONTACT_SOURCES,
): Promise<ReporterContact | undefined> {
  for (const source of sources) {
    const contact = await source(q, incident, report);
    if (contact !== undefined) return contact;
  }
  return undefined;
}
