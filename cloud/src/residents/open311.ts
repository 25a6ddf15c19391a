import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../http/domain-error.js';
import { PROBLEMS, ProblemError } from '../http/problems.js';
import { render } from '../i18n/render.js';
import { newTrackingCode } from './codes.js';
import type { ResidentsContext } from './context.js';
import { fileResidentReport, residentCategories } from './intake.js';
import { sourceAddress } from './routes.js';
import { open311Status } from './status.js';

/** An Open311 error: `[{code, description}]` with the same HTTP status. */
class Open311Error extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const MAX_REQUESTS = 1000;
const DEFAULT_SPAN_MS = 90 * 24 * 3600_000;

const Coordinate = (min: number, max: number, name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .min(min, { error: `${name} is out of range` })
    .max(max, {
      error: `${name} is out of range`,
    });

const NewRequest = z.object({
  service_code: z.string({ error: 'service_code is required' }).min(1, { error: 'service_code is required' }),
  lat: Coordinate(-90, 90, 'lat').optional(),
  long: Coordinate(-180, 180, 'long').optional(),
  address_string: z.string().trim().min(2).max(200).optional(),
  email: z.email({ error: 'email is not an email address' }).max(200).optional(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[\d\s-]{6,20}$/, { error: 'phone must be a phone number' })
    .optional(),
  description: z
    .string({ error: 'description is required' })
    .trim()
    .min(5, { error: 'description must be at least 5 characters' })
    .max(1000, { error: 'description must be at most 1000 characters' }),
  media_url: z.url({ error: 'media_url must be an http(s) URL' }).max(1000).optional(),
});

const ListQuery = z.object({
  service_request_id: z.string().max(20_000).optional(),
  service_code: z.string().max(200).optional(),
  start_date: z.iso.datetime({ offset: true, error: 'start_date must be a W3C date-time' }).optional(),
  end_date: z.iso.datetime({ offset: true, error: 'end_date must be a W3C date-time' }).optional(),
  status: z.enum(['open', 'closed'], { error: 'status must be open or closed' }).optional(),
});

interface RequestRow {
  open311_id: string;
  state: Parameters<typeof open311Status>[0];
  category_code: string;
  name_en: string | null;
  name_zh: string | null;
  created_at: Date;
  updated_at: Date;
  lon: number | null;
  lat: number | null;
}

/**
 * Open311 GeoReport v2 (`/open311/v2/…`, JSON): services are the categories residents may report,
 * requests filed become incidents of source `resident` (channel `open311`). Filing needs an
 * `api_key` (an API token of the cloud); reading is public but shows only requests filed through
 * Open311, without their description, contact or exact place (lat/long to about 100 m).
 */
export function open311Routes(ctx: ResidentsContext & { mediaHosts: readonly string[] }): Router {
  const { db, clock, store, buckets, limits } = ctx;
  const v2 = Router();

  // Open311 clients are web apps of other origins: they read and file without credentials.
  v2.use((req: Request, res: Response, next: NextFunction) => {
    res.set({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type',
    });
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  const services = async () =>
    (await residentCategories(db)).map((category) => ({
      service_code: category.code,
      service_name: category.name.en,
      description: category.name.zh,
      metadata: false,
      type: 'realtime',
      keywords: '',
      group: category.code.split('.')[0] ?? '',
    }));

  v2.get('/services.json', async (_req: Request, res: Response) => {
    res.json(await services());
  });

  v2.get('/services/:code.json', async (req: Request<{ code: string }>, res: Response) => {
    const found = (await services()).find((service) => service.service_code === req.params.code);
    if (found === undefined) throw new Open311Error(404, `service_code ${req.params.code} not found`);
    res.json({ service_code: found.service_code, attributes: [] });
  });

  const body = [express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' })];
  v2.post('/requests.json', ...body, async (req: Request, res: Response) => {
    const input = (req.body ?? {}) as Record<string, unknown>;
    const key = typeof input.api_key === 'string' ? input.api_key : '';
    const check = key === '' ? undefined : await ctx.people.apiTokens.authenticate(key);
    if (check === undefined || !check.ok)
      throw new Open311Error(403, 'api_key is missing, unknown, expired or revoked');
    const parsed = NewRequest.safeParse(input);
    if (!parsed.success) throw new Open311Error(400, parsed.error.issues.map((issue) => issue.message).join('; '));
    const request = parsed.data;
    if ((request.lat === undefined) !== (request.long === undefined))
      throw new Open311Error(400, 'lat and long go together: give both, or address_string');
    if (request.lat === undefined && request.address_string === undefined)
      throw new Open311Error(400, 'a location is required: lat and long, or address_string');
    if (request.media_url !== undefined) {
      const url = new URL(request.media_url);
      if (url.protocol !== 'https:' || !ctx.mediaHosts.includes(url.hostname))
        throw new Open311Error(
          400,
          `media_url must be https on an allowed host (${ctx.mediaHosts.join(', ') || 'none'})`,
        );
    }
    const claim = await buckets.take(`open311:${check.tokenId}`, limits.addressBurst, limits.addressPerHour);
    if (!claim.ok) {
      const seconds = Math.max(1, Math.ceil(claim.retryAfter));
      throw new Open311Error(429, `too many requests with this api_key: retry in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
    const id = newTrackingCode();
    const token = randomUUID();
    await fileResidentReport(
      ctx,
      {
        channel: 'open311',
        requestId: token,
        category: request.service_code,
        description: request.description,
        photoIds: [],
        position:
          request.lat === undefined || request.long === undefined ? undefined : { lon: request.long, lat: request.lat },
        address: request.address_string,
        phone: request.phone,
        phoneConfirmed: false,
        email: request.email,
        addressKey: sourceAddress(req),
        open311: { id, token, client: check.tokenId },
        ...(request.media_url === undefined ? {} : { mediaUrl: request.media_url }),
      },
      { category: 'service_code', place: 'address_string' },
    );
    res.status(201).json([{ service_request_id: id, token, service_notice: '', account_id: null }]);
  });

  const toRequest = (row: RequestRow) => ({
    service_request_id: row.open311_id,
    status: open311Status(row.state),
    status_notes: null,
    service_name: row.name_en ?? row.category_code,
    service_code: row.category_code,
    agency_responsible: null,
    service_notice: null,
    requested_datetime: new Date(row.created_at).toISOString(),
    updated_datetime: new Date(row.updated_at).toISOString(),
    expected_datetime: null,
    // About 100 m: enough to see where, not whose door.
    lat: row.lat === null ? null : Number(row.lat.toFixed(3)),
    long: row.lon === null ? null : Number(row.lon.toFixed(3)),
  });

  const SELECT = `SELECT r.open311_id, i.state, i.category_code, c.name_en, c.name_zh, r.created_at, i.updated_at, i.position_lon AS lon, i.position_lat AS lat
      FROM resident_reports r JOIN incidents i ON i.id = r.incident_id LEFT JOIN categories c ON c.code = i.category_code
     WHERE r.channel = 'open311'`;

  v2.get('/requests.json', async (req: Request, res: Response) => {
    const parsed = ListQuery.safeParse(req.query);
    if (!parsed.success) throw new Open311Error(400, parsed.error.issues.map((issue) => issue.message).join('; '));
    const query = parsed.data;
    const ids = query.service_request_id
      ?.split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const now = clock();
    const end = query.end_date ? new Date(query.end_date) : now;
    const start = query.start_date ? new Date(query.start_date) : new Date(end.getTime() - DEFAULT_SPAN_MS);
    if (start > end) throw new Open311Error(400, 'start_date must be before end_date');
    const { rows } = ids
      ? await db.query<RequestRow>(
          `${SELECT} AND r.open311_id = ANY($1) ORDER BY r.created_at DESC LIMIT ${MAX_REQUESTS}`,
          [ids],
        )
      : await db.query<RequestRow>(
          `${SELECT} AND r.created_at >= $1 AND r.created_at <= $2 AND ($3::text IS NULL OR i.category_code = ANY(string_to_array($3, ',')))
           ORDER BY r.created_at DESC LIMIT ${MAX_REQUESTS}`,
          [start, end, query.service_code ?? null],
        );
    res.json(rows.map(toRequest).filter((request) => query.status === undefined || request.status === query.status));
  });

  v2.get('/requests/:id.json', async (req: Request<{ id: string }>, res: Response) => {
    const { rows } = await db.query<RequestRow>(`${SELECT} AND r.open311_id = $1`, [req.params.id]);
    const row = rows[0];
    if (row === undefined) throw new Open311Error(404, `service_request_id ${req.params.id} not found`);
    res.json([toRequest(row)]);
  });

  v2.get('/tokens/:token.json', async (req: Request<{ token: string }>, res: Response) => {
    const found = z.uuid().safeParse(req.params.token).success
      ? await store.byOpen311Token(req.params.token)
      : undefined;
    if (found === undefined) throw new Open311Error(404, `token ${req.params.token} not found`);
    res.json([{ service_request_id: found.open311_id, token: req.params.token }]);
  });

  v2.use((req: Request) => {
    throw new Open311Error(404, `no such Open311 resource: ${req.method} ${req.path}`);
  });

  // Everything under /open311/v2 answers in Open311's error format, the cloud's refusals included.
  v2.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const failure =
      err instanceof Open311Error
        ? err
        : err instanceof ProblemError
          ? new Open311Error(err.toProblem().status, problemText(err), err.headers)
          : err instanceof DomainError
            ? new Open311Error(PROBLEMS[err.problem].status, render(err.said, 'en'))
            : (err as { type?: string } | undefined)?.type === 'entity.parse.failed'
              ? new Open311Error(400, 'the body is not valid JSON or form data')
              : undefined;
    if (failure === undefined) {
      next(err);
      return;
    }
    res
      .status(failure.status)
      .set(failure.headers)
      .json([{ code: failure.status, description: failure.description }]);
  });

  return Router().use('/open311/v2', v2);
}

const problemText = (err: ProblemError) =>
  [render(err.said, 'en'), ...(err.errors ?? []).map((error) => render(error.detail, 'en'))].join(': ');
