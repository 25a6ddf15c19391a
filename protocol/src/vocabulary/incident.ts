import { z } from 'zod';

/** Incident states of the closed loop (docs/domain.md §3). The transitions live in the cloud's engine. */
export const INCIDENT_STATES = [
  'REPORTED',
  'VERIFYING',
  'ACCEPTED',
  'FILED',
  'DISPATCHED',
  'IN_PROGRESS',
  'SUSPENDED',
  'HANDLED',
  'CHECKING',
  'PENDING_CLOSE',
  'CLOSED',
  'SELF_HANDLED',
  'EVALUATED',
  'ARCHIVED',
  'INVALID',
  'MERGED',
] as const;
export const IncidentState = z.enum(INCIDENT_STATES);
export type IncidentState = z.infer<typeof IncidentState>;

/** Where an incident came from ("一口受理": one intake for every channel). */
export const IncidentSource = z.enum([
  'iot',
  'patrol',
  'hotline_12345',
  'transfer_110',
  'petition',
  'leader',
  'resident',
  // The community's property (物业) reporting what it noticed on its rounds.
  'property',
]);
export type IncidentSource = z.infer<typeof IncidentSource>;

export const TerritoryLevel = z.enum(['grid', 'community', 'street', 'district']);
export type TerritoryLevel = z.infer<typeof TerritoryLevel>;

export const TrafficLight = z.enum(['green', 'yellow', 'red']);
export const Supervision = z.enum(['none', 'normal', 'yellow_card', 'red_card']);

/** What the cloud does with a device event (docs/domain.md §7 policy table). */
export const DeviceEventPolicy = z.enum([
  'alert_only',
  'confirm_first',
  'auto_incident',
  'maintenance_ticket',
  'never',
]);
export type DeviceEventPolicy = z.infer<typeof DeviceEventPolicy>;
