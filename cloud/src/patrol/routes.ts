import express, { type NextFunction, type Request, type Response, Router } from 'express';
import {
  ATTACHMENT_MEDIA_TYPES,
  acceptedMediaType,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  sniffMediaType,
} from '../attachments/media.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody, parseQuery } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { authenticateCaller, callerOfResponse, requireTenantAdmin } from '../people/access.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, managerActor, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { GridCode } from '../people/roles.js';
import type { Principal } from '../people/scope.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { distanceMetres } from '../territory/gcj02.js';
import { TerritoryStore } from '../territory/store.js';
import {
  chiefGrids,
  isWorkerOf,
  readsPlans,
  requireDispatcher,
  requirePlanEditor,
  supervises,
  supervisesByRole,
  workerGrids,
} from './access.js';
import { chinaDate, chinaDay, planDay, type WorkerDay } from './day.js';
import { PatrolPhotos } from './photos.js';
import { PatrolPlans, type PatrolRoute } from './plans.js';
import {
  CheckinBody,
  DayQuery,
  EndSessionBody,
  LiveQuery,
  PositionBatch,
  RouteInput,
  StartSessionBody,
  TaskDoneBody,
  TaskInput,
  TaskListQuery,
} from './schemas.js';
import {
  type BatchAnswer,
  type LivePosition,
  type PatrolCheckin,
  type PatrolSession,
  PatrolSessions,
} from './sessions.js';
import { PATROL_SETTINGS_TARGET, PatrolSettings, PatrolSettingsStore } from './settings.js';
import { PatrolTasks } from './tasks.js';
import { TRACK_SEAL_PURPOSE } from './tracks.js';
import { type DisplayTrack, displayTrack, walkedMetres } from './trajectory.js';

export interface PatrolRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  dataSecret: string;
  /** Largest photo taken (`attachments.max_bytes`); default 10 MiB. */
  attachmentMaxBytes?: number;
}

/** `GET /patrol/day` and `GET /patrol/workers/{id}/day`. */
export type PatrolDay = WorkerDay & { sessions: PatrolSession[] };

/** `GET /patrol/sessions/{id}`. */
export interface PatrolSessionPage {
  session: PatrolSession;
  route: PatrolRoute | undefined;
  checkins: PatrolCheckin[];
}

/** `POST /patrol/sessions/{id}/positions`: the batch's answer, details in the reader's language. */
export type PatrolBatchResult = Omit<BatchAnswer, 'refused'> & {
  refused: Array<Omit<BatchAnswer['refused'][number], 'detail'> & { detail: string }>;
};

/** `GET /patrol/sessions/{id}/trajectory`. */
export interface PatrolTrajectory {
  session: PatrolSession;
  points: Array<{ at: string; lon: number; lat: number; accuracy_m: number }>;
  display: DisplayTrack;
  checkins: PatrolCheckin[];
  distance_m: number;
  gap_after_s: number;
}

/** `GET /patrol/live`. */
export interface PatrolLive {
  territory: string;
  at: string;
  workers: LivePosition[];
}

/** How long before now a patrol started offline may say it started. */
const MAX_OFFLINE_START_MS = 24 * 3_600_000;

/** Store work whose refusals are already problems; anything else is the database failing (503). */
async function storing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    return fromDatabase(() => Promise.reject(err));
  }
}

const gridOfPath = (grid: string): string => {
  if (!GridCode.safeParse(grid).success) throw new ProblemError('GL_NOT_FOUND', message('patrol.grid_code', { grid }));
  return grid;
};

/**
 * The patrol API (智慧巡防): routes and checkpoints per grid, special tasks, the
 * worker's day, patrol sessions with batched positions and check-ins, trajectories for the worker
 * and their supervisors, the supervisors' live map and the tenant's patrol settings. Every route
 * checks the caller against the grid on the server; trajectories of others are audited reads.
 */
export function patrolRoutes(ctx: PatrolRoutesContext): Router {
  const { db, clock, people } = ctx;
  const router = Router();
  const auth = authenticateUser(people);
  const settings = new PatrolSettingsStore(db, clock);
  const plans = new PatrolPlans(db, clock);
  const territory = new TerritoryStore(db);
  const sessions = new PatrolSessions(
    db,
    clock,
    plans,
    territory,
    new PersonalDataSeal(ctx.dataSecret, TRACK_SEAL_PURPOSE),
  );
  const tasks = new PatrolTasks(db, clock);
  const photos = new PatrolPhotos(db, clock);
  const maxBytes = ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;

  const audit = (principal: Principal, action: string, target: string, details: Record<string, unknown>) =>
    writeAudit(db, { actor: { kind: 'user', userId: principal.userId }, action, target, details, at: clock() });

  const routeOf = async (id: string): Promise<PatrolRoute & { active: boolean }> => {
    const route = await storing(() => plans.route(id));
    if (route === undefined) throw new ProblemError('GL_NOT_FOUND', message('patrol.route_unknown', { route: id }));
    return route;
  };
  /** A session the caller walks (their own); anyone else's is not found. */
  const ownSession = async (principal: Principal, id: string): Promise<PatrolSession> => {
    const session = await storing(() => sessions.get(id));
    if (session === undefined || session.worker_id !== principal.userId)
      throw new ProblemError('GL_NOT_FOUND', message('patrol.session_unknown', { session: id }));
    return session;
  };
  /** A session the caller may read: their own, or one of a grid they supervise (audited then). */
  const readableSession = async (principal: Principal, id: string): Promise<PatrolSession> => {
    const session = await storing(() => sessions.get(id));
    if (
      session === undefined ||
      (session.worker_id !== principal.userId && !(await storing(() => supervises(db, principal, session.grid_code))))
    )
      throw new ProblemError('GL_NOT_FOUND', message('patrol.session_unknown', { session: id }));
    return session;
  };
  /** 404 unless the caller is the worker or supervises one of the grids the worker works in. */
  const readableWorker = async (principal: Principal, workerId: string): Promise<string[]> => {
    const user = await storing(() => people.users.principal(workerId));
    const grids = user === undefined ? [] : workerGrids(user);
    if (workerId === principal.userId) return grids;
    for (const grid of grids) if (await storing(() => supervises(db, principal, grid))) return grids;
    throw new ProblemError('GL_NOT_FOUND', message('patrol.worker_unknown', { worker: workerId }));
  };

  // Settings: every signed-in patrol role reads them (the phone needs the interval); tenant admins change them.
  const caller = authenticateCaller(people, ctx.adminToken);
  router.get('/settings/patrol', caller, async (_req: Request, res: Response) => {
    const c = callerOfResponse(res);
    if (
      c.kind === 'user' &&
      !c.principal.assignments.some((a) => ['district_admin', 'operator', 'grid_worker'].includes(a.role))
    )
      throw new ProblemError('GL_FORBIDDEN', message('patrol.settings_readers'));
    res.json(await storing(() => settings.get()));
  });
  router.put(
    '/settings/patrol',
    caller,
    requireTenantAdmin(db, 'patrol_settings'),
    jsonBody(BODY_LIMIT),
    async (req: Request, res: Response) => {
      const body = parseBody(PatrolSettings, req.body);
      res.json(await storing(() => settings.replace(managerActor(callerOfResponse(res)), body)));
    },
  );
  void PATROL_SETTINGS_TARGET;

  // Plans.
  router.get('/patrol/grids/:grid/routes', auth, async (req: Request<{ grid: string }>, res: Response) => {
    const principal = principalOf(res);
    const grid = gridOfPath(req.params.grid);
    if (!(await storing(() => readsPlans(db, principal, grid))))
      throw new ProblemError('GL_FORBIDDEN', message('patrol.grid_outside', { grid }));
    res.json({ grid_code: grid, routes: await storing(() => plans.routesOfGrid(grid)) });
  });

  router.post(
    '/patrol/grids/:grid/routes',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ grid: string }>, res: Response) => {
      const principal = principalOf(res);
      const grid = gridOfPath(req.params.grid);
      await storing(() => requirePlanEditor(db, principal, grid));
      const input = parseBody(RouteInput, req.body);
      if (input.checkpoints.some((c) => c.id !== undefined))
        throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
          {
            pointer: `/checkpoints/${input.checkpoints.findIndex((c) => c.id !== undefined)}/id`,
            detail: message('patrol.checkpoint_id_new'),
          },
        ]);
      const route = await storing(() => plans.create(grid, input, principal.userId));
      res.status(201).location(`/api/v1/patrol/routes/${route.id}`).json(route);
    },
  );

  router.get('/patrol/routes/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const route = await routeOf(req.params.id);
    if (!(await storing(() => readsPlans(db, principal, route.grid_code))))
      throw new ProblemError('GL_NOT_FOUND', message('patrol.route_unknown', { route: req.params.id }));
    res.json(route);
  });

  router.put('/patrol/routes/:id', auth, jsonBody(BODY_LIMIT), async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const route = await routeOf(req.params.id);
    await storing(() => requirePlanEditor(db, principal, route.grid_code));
    if (!route.active)
      throw new ProblemError('GL_PATROL_CONFLICT', message('patrol.route_retired', { route: route.id }));
    const input = parseBody(RouteInput, req.body);
    res.json(await storing(() => plans.replace(route, input, principal.userId)));
  });

  router.delete('/patrol/routes/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const route = await routeOf(req.params.id);
    await storing(() => requirePlanEditor(db, principal, route.grid_code));
    if (route.active) await storing(() => plans.retire(route, principal.userId));
    res.status(204).end();
  });

  // Special tasks.
  router.post('/patrol/tasks', auth, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const input = parseBody(TaskInput, req.body);
    requireDispatcher(principal, input.grid_code);
    if (!(await storing(() => isWorkerOf(db, input.worker_id, input.grid_code))))
      throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
        {
          pointer: '/worker_id',
          detail: message('patrol.not_worker_of_grid', { worker: input.worker_id, grid: input.grid_code }),
        },
      ]);
    const task = await storing(() => tasks.create(input, principal.userId));
    res.status(201).location(`/api/v1/patrol/tasks/${task.id}`).json(task);
  });

  router.get('/patrol/tasks', auth, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const query = parseQuery(TaskListQuery, req.query);
    const supervised = async (grid: string) => storing(() => supervises(db, principal, grid));
    let grids: string[] | undefined;
    let worker = query.worker;
    if (query.grid !== undefined) {
      if (!(await supervised(query.grid))) {
        if (!workerGrids(principal).includes(query.grid))
          throw new ProblemError('GL_FORBIDDEN', message('patrol.grid_outside', { grid: query.grid }));
        // A worker sees their own tasks of the grid, not their colleagues'.
        worker = principal.userId;
      }
      grids = [query.grid];
    } else if (worker === undefined || worker === principal.userId) {
      worker = principal.userId;
    } else {
      // Another worker's tasks: those of the grids the caller supervises.
      const theirs = await readableWorker(principal, worker);
      grids = [];
      for (const grid of theirs) if (await supervised(grid)) grids.push(grid);
    }
    const list = await storing(() =>
      tasks.list({
        ...(grids === undefined ? {} : { grids }),
        ...(worker === undefined ? {} : { worker }),
        ...(query.open === undefined ? {} : { open: query.open }),
      }),
    );
    res.json({ tasks: list });
  });

  router.post(
    '/patrol/tasks/:id/done',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const task = await storing(() => tasks.get(req.params.id));
      if (task === undefined || task.worker_id !== principal.userId)
        throw new ProblemError('GL_NOT_FOUND', message('patrol.task_unknown', { task: req.params.id }));
      const body = parseBody(TaskDoneBody, req.body);
      await ownPhotos(body.photo_ids, principal);
      res.json(await storing(() => tasks.done(task, body.note, body.photo_ids)));
    },
  );

  // The worker's day.
  const dayOf = async (workerId: string, grids: string[], date: string): Promise<PatrolDay> => {
    const { from, to } = chinaDay(date);
    return storing(async () => {
      const [routes, started, running, dueToday, leftOver] = await Promise.all([
        plans.routesOfGrids(grids),
        sessions.ofWorker(workerId, from, to),
        sessions.running(workerId),
        tasks.list({ worker: workerId, dueFrom: from, dueTo: to }),
        tasks.openOf(workerId, from),
      ]);
      const checkins = await sessions.checkins(started.map((s) => s.id));
      const day = planDay({
        date,
        now: clock(),
        workerId,
        grids,
        routes,
        sessions: started,
        checkins,
        tasks: [...leftOver, ...dueToday],
      });
      return { ...day, running_session: running ?? null, sessions: started };
    });
  };

  router.get('/patrol/day', auth, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const { date } = parseQuery(DayQuery, req.query);
    res.json(await dayOf(principal.userId, workerGrids(principal), date ?? chinaDate(clock())));
  });

  router.get('/patrol/workers/:id/day', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const grids = await readableWorker(principal, req.params.id);
    const { date } = parseQuery(DayQuery, req.query);
    res.json(await dayOf(req.params.id, grids, date ?? chinaDate(clock())));
  });

  // Sessions.
  router.post('/patrol/sessions', auth, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(StartSessionBody, req.body);
    const route = await storing(() => plans.route(body.route_id));
    if (route === undefined || !route.active || !workerGrids(principal).includes(route.grid_code))
      throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
        { pointer: '/route_id', detail: message('patrol.route_not_yours', { route: body.route_id }) },
      ]);
    const now = clock();
    const startedAt =
      body.started_at === undefined ? now : new Date(Math.min(new Date(body.started_at).getTime(), now.getTime()));
    // A patrol started offline is taken as started then, within a day: older is a phone clock gone wrong.
    if (now.getTime() - startedAt.getTime() > MAX_OFFLINE_START_MS)
      throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
        {
          pointer: '/started_at',
          detail: message('patrol.started_too_old', { at: startedAt.toISOString(), hours: 24 }),
        },
      ]);
    const { session, created } = await storing(() =>
      sessions.start(principal.userId, route, body.request_id, startedAt),
    );
    res
      .status(created ? 201 : 200)
      .location(`/api/v1/patrol/sessions/${session.id}`)
      .json({ session, route });
  });

  router.get('/patrol/sessions/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const session = await readableSession(principalOf(res), req.params.id);
    const [route, checkins] = await storing(() =>
      Promise.all([plans.route(session.route_id), sessions.checkins([session.id])]),
    );
    const page: PatrolSessionPage = { session, route, checkins };
    res.json(page);
  });

  router.post(
    '/patrol/sessions/:id/end',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const session = await ownSession(principalOf(res), req.params.id);
      const body = parseBody(EndSessionBody, req.body ?? {});
      const now = clock();
      const at =
        body.ended_at === undefined ? now : new Date(Math.min(new Date(body.ended_at).getTime(), now.getTime()));
      res.json({ session: await storing(() => sessions.end(session, at)) });
    },
  );

  router.post(
    '/patrol/sessions/:id/positions',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const session = await ownSession(principalOf(res), req.params.id);
      const batch = parseBody(PositionBatch, req.body);
      const answer = await storing(async () => sessions.ingest(session, batch, await settings.recent()));
      const language = languageOfRequest(req);
      const result: PatrolBatchResult = {
        ...answer,
        refused: answer.refused.map((r) => ({ ...r, detail: render(r.detail, language) })),
      };
      res.json(result);
    },
  );

  router.post(
    '/patrol/sessions/:id/checkins',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const session = await ownSession(principal, req.params.id);
      const body = parseBody(CheckinBody, req.body);
      await ownPhotos(body.photo_ids, principal);
      const { checkin, created } = await storing(async () => sessions.checkin(session, body, await settings.recent()));
      res.status(created ? 201 : 200).json({ checkin });
    },
  );

  router.get('/patrol/sessions/:id/trajectory', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const session = await readableSession(principal, req.params.id);
    const [points, checkins, s] = await storing(() =>
      Promise.all([sessions.positions(session.id), sessions.checkins([session.id]), settings.get()]),
    );
    if (session.worker_id !== principal.userId)
      await storing(() =>
        audit(principal, 'patrol.trajectory.view', `user:${session.worker_id}`, {
          session: session.id,
          grid: session.grid_code,
        }),
      );
    const gapMs = s.position_interval_s * s.gap_intervals * 1000;
    const located = checkins.flatMap((c) =>
      c.lon === null || c.lat === null ? [] : [{ at: new Date(c.at), lon: c.lon, lat: c.lat }],
    );
    const trajectory: PatrolTrajectory = {
      session,
      points: points.map((p) => ({ at: p.at.toISOString(), lon: p.lon, lat: p.lat, accuracy_m: p.accuracy_m })),
      display: displayTrack(points, located, gapMs),
      checkins,
      distance_m: Math.round(walkedMetres(points, gapMs, distanceMetres)),
      gap_after_s: gapMs / 1000,
    };
    res.json(trajectory);
  });

  // The supervisors' live map: only workers patrolling now.
  router.get('/patrol/live', auth, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const { territory: code } = parseQuery(LiveQuery, req.query);
    const chief = code.length === 15 && (await storing(() => chiefGrids(db, principal.userId))).includes(code);
    if (!supervisesByRole(principal, code) && !chief)
      throw new ProblemError('GL_FORBIDDEN', message('patrol.live_outside', { territory: code }));
    const workers = await storing(() => sessions.live(code));
    await storing(() => audit(principal, 'patrol.live.view', `territory:${code}`, { workers: workers.length }));
    const live: PatrolLive = { territory: code, at: clock().toISOString(), workers };
    res.json(live);
  });

  // Photos of check-ins and tasks: uploaded first, then named by id.
  const raw = express.raw({ type: () => true, limit: maxBytes });
  router.post(
    '/patrol/photos',
    auth,
    (req: Request, res: Response, next: NextFunction) => {
      const grid = typeof req.query.grid === 'string' ? req.query.grid : '';
      if (!workerGrids(principalOf(res)).includes(grid))
        throw new ProblemError('GL_VALIDATION_FAILED', message('request.query_invalid'), [
          { parameter: 'grid', detail: message('patrol.photo_grid', { grid }) },
        ]);
      if (!acceptedMediaType(req.get('content-type')))
        throw new ProblemError(
          'GL_UNSUPPORTED_MEDIA_TYPE',
          message('attachment.media_type', {
            header: 'Content-Type',
            types: [...ATTACHMENT_MEDIA_TYPES],
            received: req.get('content-type') ?? message('header.none', { header: 'Content-Type' }),
          }),
          [{ detail: message('expect.one_of', { values: [...ATTACHMENT_MEDIA_TYPES] }), parameter: 'Content-Type' }],
        );
      raw(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
          next(
            new ProblemError(
              'GL_BODY_TOO_LARGE',
              message('attachment.too_large', { max: maxBytes, mib: Math.round((maxBytes / 1048576) * 100) / 100 }),
              [{ detail: message('attachment.at_most', { max: maxBytes }), pointer: '' }],
            ),
          );
          return;
        }
        next(err);
      });
    },
    async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0)
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      const declared = acceptedMediaType(req.get('content-type'));
      const sniffed = sniffMediaType(body);
      if (sniffed === undefined || sniffed !== declared || sniffed === 'application/pdf')
        throw new ProblemError(
          'GL_UNSUPPORTED_MEDIA_TYPE',
          sniffed === undefined
            ? message('attachment.not_a_file')
            : message('attachment.type_mismatch', { declared, sniffed }),
          [{ detail: message('attachment.must_be', { declared }), parameter: 'Content-Type' }],
        );
      const photo = await storing(() => photos.add(String(req.query.grid), sniffed, body, principal.userId));
      res.status(201).location(`/api/v1/patrol/photos/${photo.id}`).json(photo);
    },
  );

  router.get('/patrol/photos/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const photo = await storing(() => photos.get(req.params.id));
    if (
      photo === undefined ||
      (photo.uploaded_by !== principal.userId && !(await storing(() => supervises(db, principal, photo.grid_code))))
    )
      throw new ProblemError('GL_NOT_FOUND', message('patrol.photo_unknown', { photo: req.params.id }));
    const content = await storing(() => photos.content(photo.id));
    res
      .status(200)
      .set({ 'content-type': photo.media_type, 'cache-control': 'private, max-age=3600' })
      .send(Buffer.from(content ?? []));
  });

  /** 400 naming each photo id that is not one the caller uploaded. */
  async function ownPhotos(ids: readonly string[], principal: Principal): Promise<void> {
    const foreign = await storing(() => photos.notOwn(ids, principal.userId));
    if (foreign.length > 0)
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('request.body_invalid'),
        foreign.map((id) => ({
          pointer: `/photo_ids/${ids.indexOf(id)}`,
          detail: message('patrol.photo_unknown', { photo: id }),
        })),
      );
  }

  return router;
}
