import type { Logger } from 'pino';
import { DEFAULT_ATTACHMENT_MAX_BYTES } from '../attachments/media.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { DownlinkQueue } from '../downlink/queue.js';
import type { ClientCertificates } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { IncidentEngine } from '../incidents/index.js';
import type { People } from '../people/people.js';
import { CAMERA_EVIDENCE_PATHS } from './openapi.js';
import { cameraEvidenceRoutes } from './routes.js';
import { CameraEvidenceStore } from './store.js';

/** Default time a fresh snapshot may take (`attachments.snapshot_request_timeout_s`). */
export const DEFAULT_SNAPSHOT_REQUEST_TIMEOUT_MS = 30_000;

/** Camera snapshots from gateways, shown with their incidents, and fresh ones asked for from the page. */
export const cameraEvidencePlugin: HttpPlugin<{
  db: Db;
  clock: Clock;
  registry: GatewayRegistry;
  people: People;
  incidents: IncidentEngine;
  downlink: DownlinkQueue;
  logger: Logger;
  clientCertificates: ClientCertificates;
  attachmentMaxBytes?: number;
  snapshotRequestTimeoutMs?: number;
}> = {
  name: 'camera-evidence',
  routes: (ctx) =>
    cameraEvidenceRoutes({
      store: new CameraEvidenceStore(ctx.db, ctx.clock),
      registry: ctx.registry,
      people: ctx.people,
      engine: ctx.incidents,
      downlink: ctx.downlink,
      logger: ctx.logger.child({ module: 'camera-evidence' }),
      options: {
        maxBytes: ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
        requestTimeoutMs: ctx.snapshotRequestTimeoutMs ?? DEFAULT_SNAPSHOT_REQUEST_TIMEOUT_MS,
        clientCertificates: ctx.clientCertificates,
      },
    }),
  openapi: { paths: CAMERA_EVIDENCE_PATHS },
};
