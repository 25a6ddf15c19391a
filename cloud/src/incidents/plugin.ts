import { DEFAULT_ATTACHMENT_MAX_BYTES } from '../attachments/media.js';
import { AttachmentStore } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type HttpPlugin, inOrder } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { type AssigneeLister, incidentActionRoutes } from './action-routes.js';
import { INCIDENT_ACTION_PATHS } from './actions-openapi.js';
import { attachmentRoutes } from './attachment-routes.js';
import type { IncidentEngine } from './engine.js';
import { FIELD_PATHS, FIELD_SCHEMAS } from './field-openapi.js';
import type { IncidentGrants } from './grants.js';
import { heldAlertRoutes } from './held-alert-routes.js';
import { nearbyRoutes } from './nearby-routes.js';
import { INCIDENT_PATHS, INCIDENT_SCHEMAS } from './openapi.js';
import { HELD_ALERT_PATHS, POLICY_PATHS, POLICY_SCHEMAS } from './policies-openapi.js';
import { deviceEventPolicyRoutes } from './policy-routes.js';
import { incidentRoutes } from './routes.js';
import type { IncidentTimeLimits } from './time-status.js';

/**
 * Grid incidents: the closed loop, their files, what the pages may do with each, the device-event
 * policy table and the alerts it holds back.
 */
export const incidentsPlugin: HttpPlugin<{
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  incidents: IncidentEngine;
  /** Time limits: lists and details show the open step's deadline and light. */
  deadlines?: IncidentTimeLimits;
  /** Who may be given an incident (automatic dispatch's rule). */
  eligibleAssignees: AssigneeLister;
  /** Largest file `POST /incidents/{id}/attachments` takes (`attachments.max_bytes`); default 10 MiB. */
  attachmentMaxBytes?: number;
  /** Reads (and attachments) granted beyond the scope: co-handling units. */
  incidentGrants?: IncidentGrants;
}> = {
  name: 'incidents',
  routes: (ctx) => {
    const { db, clock, people, incidents, deadlines } = ctx;
    const attachments = new AttachmentStore(db, clock);
    return inOrder(
      // Before the incident routes, whose session check would otherwise run twice for these.
      attachmentRoutes(
        db,
        clock,
        people,
        incidents,
        attachments,
        {
          maxBytes: ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
          adminToken: ctx.adminToken,
        },
        ctx.incidentGrants,
      ),
      // Before the incident routes: "nearby" is no incident id.
      nearbyRoutes(db, clock, people),
      incidentRoutes(db, clock, people, incidents, attachments, deadlines, ctx.incidentGrants),
      incidentActionRoutes(db, clock, people, incidents, ctx.eligibleAssignees, deadlines),
      deviceEventPolicyRoutes({ db, clock, people, adminToken: ctx.adminToken }),
      heldAlertRoutes(db, clock, people),
    );
  },
  openapi: {
    paths: { ...FIELD_PATHS, ...INCIDENT_PATHS, ...INCIDENT_ACTION_PATHS, ...POLICY_PATHS, ...HELD_ALERT_PATHS },
    schemas: { ...INCIDENT_SCHEMAS, ...POLICY_SCHEMAS, ...FIELD_SCHEMAS },
  },
};
