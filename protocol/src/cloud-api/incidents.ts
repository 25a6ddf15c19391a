import { z } from 'zod';
import { GatewayId, OpaqueId } from '../ids.js';
import { CategoryCode } from '../vocabulary/categories.js';
import { IncidentSource, IncidentState } from '../vocabulary/incident.js';
import { Severity } from '../vocabulary/severity.js';

/**
 * The cloud's incidents API as clients send and read it (`/api/v1/incidents`): the cloud parses
 * its requests with these schemas, and integrations (the Node-RED nodes) build them with the same.
 */

/**
 * A phone fix coarser than this is no position worth recording: a cell-tower guess covers a whole
 * community, and a distance measured from it says nothing. Real GPS fixes are 3–50 m, Wi-Fi ones
 * up to a few hundred.
 */
export const MAX_ACCURACY_M = 2000;

/**
 * A point as phones send it: WGS-84 (what the browser's geolocation gives) unless `crs` says
 * GCJ-02 (what Chinese map SDKs give), the fix's accuracy in metres, and when it was taken.
 */
export const PositionFix = z.strictObject({
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  accuracy_m: z
    .number({ error: 'expected the accuracy of the fix in metres, e.g. 12' })
    .positive({ error: 'expected an accuracy above 0 m' })
    .max(MAX_ACCURACY_M, {
      error: `a fix coarser than ${MAX_ACCURACY_M} m is no position: wait for GPS and send a better one`,
    }),
  crs: z.enum(['wgs84', 'gcj02']).default('wgs84'),
  /** When the phone took the fix (ISO 8601 with offset); absent: now. */
  at: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with offset' }).optional(),
});
export type PositionFix = z.output<typeof PositionFix>;

/** A request id: repeating one returns the first result and changes nothing (per caller for reports, per incident for transitions). */
export const IncidentRequestId = z.string().min(1).max(128);

/** `POST /incidents/{id}/transitions`: one step of the closed loop. */
export const IncidentTransitionBody = z.strictObject({
  action: z.string().min(1).max(32),
  request_id: IncidentRequestId,
  expected_version: z.int().min(1).optional(),
  comment: z.string().max(4000).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  /** Files uploaded for this incident (`POST /incidents/{id}/attachments`), by id; `tag` overrides the upload's. */
  attachments: z
    .array(
      z.strictObject({
        id: z.uuid(),
        tag: z
          .string()
          .regex(/^[a-z][a-z0-9_-]{0,63}$/)
          .optional(),
      }),
    )
    .max(50)
    .optional(),
});
export type IncidentTransitionBody = z.input<typeof IncidentTransitionBody>;

/** `POST /incidents`: a report through any channel but IoT ("一口受理"). */
export const IncidentReportBody = z.strictObject({
  request_id: IncidentRequestId,
  source: IncidentSource.exclude(['iot']),
  category: z.string().min(1).max(100),
  severity: Severity.optional(),
  urgent: z.boolean().optional(),
  title: z.string().min(1).max(200),
  description: z.string().max(4000).optional(),
  /** Where: the community (and grid), or a location to find them from (phones report GCJ-02). */
  community: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  grid: z
    .string()
    .regex(/^\d{15}$/)
    .optional(),
  /**
   * A phone's fix: the grid is resolved from it and the incident keeps it as its position (in
   * WGS-84). The datum defaults to GCJ-02 here (what Chinese map SDKs give); a browser's
   * geolocation is WGS-84 and says so.
   */
  location: PositionFix.extend({
    crs: z.enum(['wgs84', 'gcj02']).default('gcj02'),
    accuracy_m: PositionFix.shape.accuracy_m.optional(),
  }).optional(),
  building: z.string().max(16).optional(),
  unit: z.string().max(16).optional(),
  address: z.string().max(500).optional(),
  drill: z.boolean().optional(),
  /**
   * The gateway alert the report is about: the cloud keeps one incident per alert, whichever of the
   * report and the gateway's uplink of the alert arrives first. Alert ids are minted by each gateway
   * and only unique on it, so the gateway's id is part of the reference.
   */
  alert: z.strictObject({ gateway_id: GatewayId, alert_id: OpaqueId }).optional(),
});
export type IncidentReportBody = z.input<typeof IncidentReportBody>;

/**
 * What a report or a transition answers (201 / 200): the incident as it is now, the step written,
 * and whether the request id had been used already. Only the keys clients act on are checked; the
 * rest of the incident is passed on as the cloud sent it.
 */
export const IncidentActionResult = z.looseObject({
  incident: z.looseObject({ id: z.string(), version: z.int(), state: IncidentState }),
  step: z.looseObject({ action: z.string() }),
  repeated: z.boolean(),
});
export type IncidentActionResult = z.infer<typeof IncidentActionResult>;

/**
 * The data of the live stream's `event: incident` (`GET /incidents/stream`, its `id:` the change
 * number): the list row's keys, no personal data.
 */
export const IncidentStreamChange = z.strictObject({
  id: z.string(),
  version: z.int(),
  state: IncidentState,
  category: CategoryCode,
  severity: Severity,
  grid: z.string().nullable(),
  community: z.string().nullable(),
  updated_at: z.iso.datetime({ offset: true }),
});
export type IncidentStreamChange = z.infer<typeof IncidentStreamChange>;

/** The data of the stream's `event: reload`: changes were missed, read the list again. */
export const IncidentStreamReload = z.strictObject({ reason: z.string() });
export type IncidentStreamReload = z.infer<typeof IncidentStreamReload>;
