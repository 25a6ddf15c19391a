import type { ReporterContactSource } from '../callback/reporter-contact.js';
import type { ResidentStore } from './store.js';

/**
 * The callback queue's view of a resident's report: the phone the resident confirmed by SMS,
 * sealed on the report, masked in the queue and opened on reveal (the callback route audits it).
 * An anonymous report has no phone: no contact.
 */
export function residentReporterContact(store: ResidentStore): ReporterContactSource {
  return async (_q, incident) => {
    const report = await store.byIncident(incident.id);
    if (report === undefined || report.phone_sealed === null) return undefined;
    const masked = store.maskedPhone(report);
    if (masked === null) return undefined;
    return { masked, reveal: async () => store.phoneOf(report) ?? '' };
  };
}
