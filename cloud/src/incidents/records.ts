import type {
  CategoryCode,
  IncidentSource,
  IncidentState,
  Severity,
  Supervision as SupervisionSchema,
  TerritoryLevel,
  TrafficLight,
} from '@gridlink/protocol';
import { z } from 'zod';
import { type Message, storedMessage } from '../i18n/message.js';
import type { IncidentRole } from './roles.js';

/** A file attached to a step (photo, clip, document), stored elsewhere and named by its URI. */
export const Attachment = z.strictObject({
  uri: z.string().min(1).max(2048),
  media_type: z.string().min(1).max(128).optional(),
  /** What it shows, e.g. `before` / `after` for self-handled work. */
  tag: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(256).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/** 督办: none, 普通 (normal), 黄牌 (yellow card), 红牌 (red card). */
export type Supervision = z.infer<typeof SupervisionSchema>;

export interface IncidentPlace {
  community: string | null;
  grid: string | null;
  building: string | null;
  unit: string | null;
  floor: number | null;
  room: string | null;
  deviceId: string | null;
  gatewayId: string | null;
  address: string | null;
}

/** A point in WGS-84 degrees, with the accuracy of the phone's fix in metres when it said. */
export interface IncidentPosition {
  lon: number;
  lat: number;
  accuracyM: number | null;
}

export interface Incident {
  id: string;
  version: number;
  state: IncidentState;
  categoryCode: CategoryCode;
  severity: Severity;
  urgent: boolean;
  supervision: Supervision;
  level: TerritoryLevel;
  source: IncidentSource;
  /** 演练: runs the whole loop, never counts in KPIs. */
  drill: boolean;
  place: IncidentPlace;
  /** Where it is, as reported from a phone (WGS-84); null when nobody gave a point. */
  position: IncidentPosition | null;
  /** The gateway's alert id when the incident was born from an alert. */
  alertId: string | null;
  dedupKey: string | null;
  occurrences: number;
  firstOccurredAt: Date;
  lastOccurredAt: Date;
  reworkCount: number;
  assignee: string | null;
  mergedInto: string | null;
  /** The title as written (zh-CN for what the cloud writes); {@link titleMessage} renders it in any language. */
  title: string;
  description: string | null;
  /** What the cloud wrote as a catalogue message (absent on reporters' text and on older rows). */
  titleMessage?: Message;
  descriptionMessage?: Message;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  /**
   * A deadline set from outside at intake (a hotline platform's); it shortens the handling clock when
   * it comes first (docs/domain.md §4). Null or absent when nobody outside set one.
   */
  externalDeadline?: Date | null;
}

export interface IncidentStep {
  incidentId: string;
  seq: number;
  requestId: string;
  action: string;
  fromState: IncidentState | null;
  toState: IncidentState;
  /** The incident's version after this step. */
  version: number;
  actor: string;
  role: IncidentRole;
  comment: string | null;
  /** The cloud's own comment as a catalogue message (absent on people's comments and on older rows). */
  commentMessage?: Message;
  attachments: Attachment[];
  data: Record<string, unknown>;
  at: Date;
  deadline: Date | null;
  light: z.infer<typeof TrafficLight> | null;
  /** Why the deadline differs from the step before's (docs/domain.md §4); null when it did not change. */
  deadlineChange: DeadlineChange | null;
}

/** A change of the deadline, as the step that made it records it. */
export interface DeadlineChange {
  from: string | null;
  to: string | null;
  /**
   * `started`: a new limited step's clock; `restarted`: escalated, the clock runs again at `level`
   * (or the work went to a new assignee); `extended`: an approved extension; `paused`/`resumed`:
   * suspended and resumed (the pause pushes it); `ended`: no limit runs now; `recomputed`: the
   * tenant's calendar or limits changed meanwhile.
   */
  reason: 'started' | 'restarted' | 'extended' | 'paused' | 'resumed' | 'ended' | 'recomputed';
  /** The limited step whose clock it is (the one that ended, for `ended`). */
  step: string | null;
  level?: string;
}

export interface IncidentEvidence {
  incidentId: string;
  kind: 'alert_raised' | 'alert_updated' | 'alert_cleared' | 'incident_merged';
  sourceKey: string;
  alertId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  data: Record<string, unknown>;
}

export interface IncidentRow {
  id: string;
  version: number;
  state: string;
  category_code: string;
  severity: string;
  urgent: boolean;
  supervision: string;
  level: string;
  source: string;
  drill: boolean;
  community: string | null;
  grid: string | null;
  building: string | null;
  unit: string | null;
  floor: number | null;
  room: string | null;
  device_id: string | null;
  gateway_id: string | null;
  address: string | null;
  alert_id: string | null;
  dedup_key: string | null;
  occurrences: number;
  first_occurred_at: Date;
  last_occurred_at: Date;
  rework_count: number;
  assignee: string | null;
  merged_into: string | null;
  title: string;
  description: string | null;
  title_message?: unknown;
  description_message?: unknown;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  external_deadline?: Date | null;
  position_lon?: number | null;
  position_lat?: number | null;
  position_accuracy_m?: number | null;
}

export function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    version: row.version,
    state: row.state as IncidentState,
    categoryCode: row.category_code,
    severity: row.severity as Severity,
    urgent: row.urgent,
    supervision: row.supervision as Supervision,
    level: row.level as TerritoryLevel,
    source: row.source as IncidentSource,
    drill: row.drill,
    place: {
      community: row.community,
      grid: row.grid,
      building: row.building,
      unit: row.unit,
      floor: row.floor,
      room: row.room,
      deviceId: row.device_id,
      gatewayId: row.gateway_id,
      address: row.address,
    },
    position:
      row.position_lon == null || row.position_lat == null
        ? null
        : {
            lon: Number(row.position_lon),
            lat: Number(row.position_lat),
            accuracyM: row.position_accuracy_m == null ? null : Number(row.position_accuracy_m),
          },
    alertId: row.alert_id,
    dedupKey: row.dedup_key,
    occurrences: row.occurrences,
    firstOccurredAt: row.first_occurred_at,
    lastOccurredAt: row.last_occurred_at,
    reworkCount: row.rework_count,
    assignee: row.assignee,
    mergedInto: row.merged_into,
    title: row.title,
    description: row.description,
    ...messageField('titleMessage', row.title_message),
    ...messageField('descriptionMessage', row.description_message),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    // Only when set: most incidents have none, and their records stay as they were.
    ...(row.external_deadline == null ? {} : { externalDeadline: row.external_deadline }),
  };
}

export interface StepRow {
  incident_id: string;
  seq: number;
  request_id: string;
  action: string;
  from_state: string | null;
  to_state: string;
  version: number;
  actor: string;
  role: string;
  comment: string | null;
  comment_message?: unknown;
  attachments: Attachment[];
  data: Record<string, unknown>;
  at: Date;
  deadline: Date | null;
  light: string | null;
  deadline_change?: DeadlineChange | null;
}

/** `{ [name]: message }` when the column holds one, else nothing (the field stays absent). */
function messageField<K extends string>(name: K, value: unknown): { [P in K]?: Message } {
  const found = storedMessage(value);
  return (found === null ? {} : { [name]: found }) as { [P in K]?: Message };
}

export function toStep(row: StepRow): IncidentStep {
  return {
    incidentId: row.incident_id,
    seq: row.seq,
    requestId: row.request_id,
    action: row.action,
    fromState: row.from_state as IncidentState | null,
    toState: row.to_state as IncidentState,
    version: row.version,
    actor: row.actor,
    role: row.role as IncidentRole,
    comment: row.comment,
    ...messageField('commentMessage', row.comment_message),
    attachments: row.attachments,
    data: row.data,
    at: row.at,
    deadline: row.deadline,
    light: row.light as IncidentStep['light'],
    deadlineChange: row.deadline_change ?? null,
  };
}

export interface EvidenceRow {
  incident_id: string;
  kind: string;
  source_key: string;
  alert_id: string | null;
  occurred_at: Date;
  recorded_at: Date;
  data: Record<string, unknown>;
}

export function toEvidence(row: EvidenceRow): IncidentEvidence {
  return {
    incidentId: row.incident_id,
    kind: row.kind as IncidentEvidence['kind'],
    sourceKey: row.source_key,
    alertId: row.alert_id,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    data: row.data,
  };
}
