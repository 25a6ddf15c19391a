import type { Queryable } from '../db/db.js';
import type { Incident, IncidentStep } from '../incidents/index.js';

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
 * number. Resident reports and hotline calls will carry a sealed phone of their own: their
 * features add a source to {@link REPORTER_CONTACT_SOURCES}.
 */
export type ReporterContactSource = (
  q: Queryable,
  incident: Incident,
  report: IncidentStep,
) => Promise<ReporterContact | undefined>;

/** A phone number as lists show it: a mobile keeps its first 3 and last 4 digits, a shorter one its last 2. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return `${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}

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

/** The sources asked in order; the first that knows the reporter answers. */
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
