import type { ReporterContactSource } from '../callback/reporter-contact.js';
import { maskPhone } from '../privacy/mask.js';
import type { HotlineStore } from './store.js';

/**
 * The callback queue's view of a hotline order: the caller's phone, sealed on the order, masked in
 * the queue and opened on reveal (the callback route audits it). The caller's name stays with the
 * hotline's own reveal.
 */
export function hotlineCallerContact(store: HotlineStore): ReporterContactSource {
  return async (q, incident) => {
    const order = await store.orderOfIncident(incident.id, q);
    const phone = order && store.callerPhone(order);
    if (!phone) return undefined;
    return { masked: maskPhone(phone), reveal: async () => phone };
  };
}
