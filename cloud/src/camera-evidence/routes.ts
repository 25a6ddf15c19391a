import { createHash } from 'node:crypto';
import { AttachmentUpload, EVIDENCE_MEDIA_TYPES, evidenceMediaType, OpaqueId } from '@gridlink/protocol';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DownlinkQueue } from '../downlink/queue.js';
import { type ClientCertificates, requireGateway } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors, parseBody } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { Incident, IncidentEngine } from '../incidents/index.js';
import { visible } from '../incidents/routes.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { type CameraEvidenceStore, downlinkIdOf, type SnapshotRequest } from './store.js';

export interface CameraEvidenceRoutesOptions {
  /** Largest snapshot a gateway may upload (`attachments.max_bytes`). */
  maxBytes: number;
  /** How long a fresh snapshot may take before the request counts as failed. */
  requestTimeoutMs: number;
  clientCertificates: ClientCertificates;
}

/** Who may ask an incident's cameras for a fresh picture: the dispatchers (operators) and grid workers who see it. */
export const SNAPSHOT_REQUEST_ROLES = ['operator', 'grid_worker'] as const;

export const SnapshotRequestBody = z.strictObject({ request_id: OpaqueId });

/** A request as the incident page reads it. */
export function snapshotRequestJson(request: SnapshotRequest) {
  return {
    id: request.id,
    incident_id: request.incidentId,
    device_ids: request.deviceIds,
    requested_at: request.requestedAt,
    deadline: request.deadline,
    state: request.state,
    failure: request.failure,
    error: request.error,
    attachment_ids: request.attachmentIds,
  };
}
export type SnapshotRequestJson = ReturnType<typeof snapshotRequestJson>;

/**
 * Camera evidence over HTTP: gateways upload snapshots (their own alerts' and answers to requests,
 * gateway token), people see them among the incident's files (linked here, before the incidents'
 * own routes list them) and ask the incident's cameras for a fresh one.
 */
export function cameraEvidenceRoutes(deps: {
  store: CameraEvidenceStore;
  registry: GatewayRegistry;
  people: People;
  engine: IncidentEngine;
  downlink: DownlinkQueue;
  logger: Logger;
  options: CameraEvidenceRoutesOptions;
}): Router {
  const { store, registry, people, engine, downlink, logger, options } = deps;
  const router = Router();
  const raw = express.raw({ type: () => true, limit: options.maxBytes });

  router.post(
    '/gateways/:id/attachments',
    requireGateway(registry, options.clientCertificates),
    (req: Request, res: Response, next: NextFunction) =>
      raw(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
          next(
            new ProblemError(
              'GL_BODY_TOO_LARGE',
              message('attachment.too_large', {
                max: options.maxBytes,
                mib: Math.round((options.maxBytes / 1048576) * 100) / 100,
              }),
              [{ detail: message('attachment.at_most', { max: options.maxBytes }), pointer: '' }],
            ),
          );
          return;
        }
        next(err);
      }),
    async (req: Request<{ id: string }>, res: Response) => {
      const gatewayId = req.params.id;
      const query = AttachmentUpload.safeParse(req.query, { reportInput: true });
      if (!query.success) {
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('request.query_invalid'),
          parameterFieldErrors(query.error.issues),
        );
      }
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      }
      // The bytes say what they are; a snapshot is a JPEG or PNG whatever the header claims.
      const sniffed = evidenceMediaType(body);
      if (sniffed === undefined) {
        throw new ProblemError('GL_UNSUPPORTED_MEDIA_TYPE', message('evidence.not_an_image'), [
          { detail: message('expect.one_of', { values: [...EVIDENCE_MEDIA_TYPES] }), parameter: 'Content-Type' },
        ]);
      }
      const actual = createHash('sha256').update(body).digest('hex');
      if (actual !== query.data.sha256) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('evidence.sha256_mismatch', { actual }), [
          { detail: message('evidence.sha256_of_body'), parameter: 'sha256' },
        ]);
      }
      const requestId = query.data.request_id;
      if (requestId !== undefined && !(await fromDatabase(() => store.isRequestOf(gatewayId, requestId)))) {
        throw new ProblemError('GL_NOT_FOUND', message('evidence.request_unknown', { request: requestId }), [
          { detail: message('evidence.request_unknown', { request: requestId }), parameter: 'request_id' },
        ]);
      }
      const received = await fromDatabase(() => store.receive(gatewayId, query.data, sniffed, body));
      if (received.stored) {
        logger.info(
          { gateway: gatewayId, device: query.data.device_id, alert: query.data.alert_id, request: requestId },
          'camera snapshot received',
        );
      }
      res
        .status(received.stored ? 201 : 200)
        .json({ status: received.stored ? 'stored' : 'duplicate', incident_id: received.incidentId });
    },
  );

  const incidentOf = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await fromDatabase(() => engine.get(id));
    if (!incident || !visible(scopeFilter(principal), incident)) {
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id }));
    }
    return incident;
  };

  // The incident's files are listed by the incidents' routes: snapshots that waited for this
  // incident (uploaded before it was born of their alert) become its files first.
  router.get(
    '/incidents/:id/attachments',
    authenticateUser(people),
    async (req: Request<{ id: string }>, res: Response, next: NextFunction) => {
      // Who reads the list is the incidents' routes' to say (units granted a read by co-handling
      // too): a caller outside the scope links nothing here and gets their answer there.
      const incident = await fromDatabase(() => engine.get(req.params.id));
      if (incident && visible(scopeFilter(principalOf(res)), incident))
        await fromDatabase(() => store.link({ incidentId: incident.id }));
      next();
    },
  );

  router.use('/incidents/:id/snapshot-requests', authenticateUser(people));

  router.post(
    '/incidents/:id/snapshot-requests',
    jsonBody('4kb'),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const incident = await incidentOf(principal, req.params.id);
      if (!principal.assignments.some((a) => (SNAPSHOT_REQUEST_ROLES as readonly string[]).includes(a.role))) {
        throw new ProblemError('GL_FORBIDDEN', message('evidence.may_not_request'));
      }
      const { request_id: requestId } = parseBody(SnapshotRequestBody, req.body);
      await fromDatabase(() => store.link({ incidentId: incident.id }));
      const cameras = await fromDatabase(() => store.camerasOf(incident.id));
      if (!cameras) throw new ProblemError('GL_VALIDATION_FAILED', message('evidence.no_camera', { id: incident.id }));
      const made = await fromDatabase(() =>
        store.request({
          id: requestId,
          incidentId: incident.id,
          gatewayId: cameras.gatewayId,
          deviceIds: cameras.deviceIds,
          requestedBy: principal.userId,
          timeoutMs: options.requestTimeoutMs,
        }),
      );
      if (!made) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('evidence.request_taken', { request: requestId }), [
          { detail: message('evidence.request_taken', { request: requestId }), pointer: '/request_id' },
        ]);
      }
      if (made.created) {
        // Queued once per request id: the downlink is idempotent on its id too.
        await fromDatabase(() =>
          downlink.enqueue(cameras.gatewayId, {
            id: downlinkIdOf(requestId),
            type: 'camera.snapshot',
            created_at: made.request.requestedAt.toISOString(),
            data: { request_id: requestId, incident_id: incident.id, device_ids: cameras.deviceIds },
          }),
        );
        logger.info(
          { incident: incident.id, gateway: cameras.gatewayId, cameras: cameras.deviceIds, request: requestId },
          'fresh camera snapshot requested',
        );
      }
      res.status(made.created ? 201 : 200).json(snapshotRequestJson(made.request));
    },
  );

  router.get('/incidents/:id/snapshot-requests', async (req: Request<{ id: string }>, res: Response) => {
    const incident = await incidentOf(principalOf(res), req.params.id);
    const requests = await fromDatabase(() => store.requests(incident.id));
    res.json({ requests: requests.map(snapshotRequestJson) });
  });

  router.get(
    '/incidents/:id/snapshot-requests/:request',
    async (req: Request<{ id: string; request: string }>, res: Response) => {
      const incident = await incidentOf(principalOf(res), req.params.id);
      const request = await fromDatabase(() => store.requestOf(incident.id, req.params.request));
      if (!request) {
        throw new ProblemError('GL_NOT_FOUND', message('evidence.request_unknown', { request: req.params.request }));
      }
      res.json(snapshotRequestJson(request));
    },
  );

  return router;
}
