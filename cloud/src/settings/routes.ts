import { type Request, type Response, Router } from 'express';
import type { CategoryCatalogue } from '../categories/catalogue.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { DeadlineSettings } from '../deadlines/rules.js';
import { DEADLINE_SETTINGS_TARGET, DeadlineSettingsStore } from '../deadlines/settings-store.js';
import { DispatchSettingsBody, dispatchSettingsBody, dispatchSettingsOf } from '../dispatch/settings.js';
import type { DispatchStore } from '../dispatch/store.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { INCIDENT_SETTINGS_TARGET, IncidentSettings, IncidentSettingsStore } from '../incidents/settings.js';
import { KpiSettingsInput } from '../kpi/compute.js';
import { KPI_SETTINGS_TARGET, KpiSettingsStore } from '../kpi/settings.js';
import { MAINTENANCE_SETTINGS_TARGET, MaintenanceSettings, MaintenanceSettingsStore } from '../maintenance/settings.js';
import {
  authenticateCaller,
  type Caller,
  callerOfResponse,
  parseBody,
  requireReader,
  requireTenantAdmin,
  type Subject,
} from '../people/access.js';
import { writeAudit } from '../people/audit.js';
import { managerActor } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Role } from '../people/roles.js';
import { SESSION_SETTINGS_TARGET, SessionSettings } from '../people/session-settings.js';

export interface SettingsRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  catalogue: CategoryCatalogue;
  /** The dispatch policy's store; without it `/settings/dispatch` is absent (like the dispatch routes). */
  dispatch?: DispatchStore;
}

/** Who reads each group of settings; only tenant admins change them (see `whyNotTenantAdmin`). */
export const SETTINGS_READERS = {
  deadlines: ['district_admin', 'operator'],
  dispatch: ['district_admin', 'operator'],
  incidents: ['district_admin', 'operator'],
  kpis: ['district_admin', 'operator', 'grid_worker'],
  maintenance: ['district_admin', 'operator', 'property_manager'],
  sessions: ['district_admin'],
} as const satisfies Record<string, readonly Role[]>;

interface SettingsGroup<T> {
  name: keyof typeof SETTINGS_READERS;
  /** The audit target of reads and changes. */
  target: string;
  /** What error messages call it. */
  what: Subject;
  read(): Promise<T>;
  /** Validates and stores the body (audited by the store); answers what is stored now. */
  replace(caller: Caller, body: unknown): Promise<T>;
}

/**
 * `GET|PUT /settings/{deadlines,dispatch,incidents,kpis,maintenance,sessions}`: the tenant's settings, each one row that
 * the modules read whenever they use it, so a change counts at once on every replica. PUT replaces
 * the whole group (validated; each field error names its JSON Pointer). Reads are audited as
 * `<group>.settings.view`, changes with what was there before.
 */
export function settingsRoutes(ctx: SettingsRoutesContext): Router {
  const router = Router();
  const caller = authenticateCaller(ctx.people, ctx.adminToken);
  const deadlines = new DeadlineSettingsStore(ctx.db, ctx.clock);
  const kpis = new KpiSettingsStore(ctx.db, ctx.clock);
  const incidents = new IncidentSettingsStore(ctx.db, ctx.clock);
  const maintenance = new MaintenanceSettingsStore(ctx.db, ctx.clock);
  const sessions = ctx.people.sessions.settings;

  const groups: SettingsGroup<unknown>[] = [
    {
      name: 'deadlines',
      target: DEADLINE_SETTINGS_TARGET,
      what: 'deadline_settings',
      read: () => deadlines.get(),
      replace: async (c, body) => {
        const parsed = parseBody(DeadlineSettings, body);
        await knownCategories(ctx.catalogue, parsed.unsignedCategories, 'unsignedCategories');
        return deadlines.replace(managerActor(c), parsed);
      },
    },
    {
      name: 'incidents',
      target: INCIDENT_SETTINGS_TARGET,
      what: 'incident_settings',
      read: () => incidents.get(),
      replace: (c, body) => incidents.replace(managerActor(c), parseBody(IncidentSettings, body)),
    },
    {
      name: 'kpis',
      target: KPI_SETTINGS_TARGET,
      what: 'kpi_settings',
      read: () => kpis.policy(),
      replace: (c, body) => kpis.replace(managerActor(c), parseBody(KpiSettingsInput, body)),
    },
    {
      name: 'maintenance',
      target: MAINTENANCE_SETTINGS_TARGET,
      what: 'maintenance_settings',
      read: () => maintenance.get(),
      replace: (c, body) => maintenance.replace(managerActor(c), parseBody(MaintenanceSettings, body)),
    },
    {
      name: 'sessions',
      target: SESSION_SETTINGS_TARGET,
      what: 'session_settings',
      read: () => sessions.get(),
      replace: (c, body) => sessions.replace(managerActor(c), parseBody(SessionSettings, body)),
    },
  ];
  const dispatch = ctx.dispatch;
  if (dispatch !== undefined) {
    groups.push({
      name: 'dispatch',
      target: 'dispatch:settings',
      what: 'dispatch_settings',
      read: async () => dispatchSettingsBody(await dispatch.settings()),
      replace: async (c, body) => {
        const parsed = parseBody(DispatchSettingsBody, body);
        await knownCategories(ctx.catalogue, parsed.life_safety_categories, 'life_safety_categories');
        return dispatchSettingsBody(await dispatch.updateSettings(managerActor(c), dispatchSettingsOf(parsed)));
      },
    });
  }

  for (const group of groups) {
    const path = `/settings/${group.name}`;
    router.get(
      path,
      caller,
      requireReader(group.what, ...SETTINGS_READERS[group.name]),
      async (_req: Request, res: Response) => {
        const c = callerOfResponse(res);
        const settings = await fromDatabase(async () => {
          const read = await group.read();
          await writeAudit(ctx.db, {
            actor: managerActor(c),
            action: `${group.name}.settings.view`,
            target: group.target,
            at: ctx.clock(),
          });
          return read;
        });
        res.json(settings);
      },
    );
    router.put(
      path,
      caller,
      requireTenantAdmin(ctx.db, group.what),
      jsonBody(BODY_LIMIT),
      async (req: Request, res: Response) => {
        const c = callerOfResponse(res);
        res.json(await storing(() => group.replace(c, req.body)));
      },
    );
  }
  return router;
}

/** Store work whose refusals are already problems (validation); anything else is a 503. */
async function storing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    return fromDatabase(() => Promise.reject(err));
  }
}

/** 400 naming each category of the list `field` that is not in the catalogue. */
async function knownCategories(catalogue: CategoryCatalogue, codes: readonly string[], field: string): Promise<void> {
  if (codes.length === 0) return;
  const known = new Set((await fromDatabase(() => catalogue.list())).map((category) => category.code));
  const unknown = codes.flatMap((code, index) => (known.has(code) ? [] : [{ code, index }]));
  if (unknown.length > 0) {
    throw new ProblemError(
      'GL_VALIDATION_FAILED',
      message('settings.unknown_categories', { field, codes: unknown.map((u) => u.code) }),
      unknown.map((u) => ({
        pointer: `/${field}/${u.index}`,
        detail: message('category.unknown_in_list', { code: u.code, route: `PUT /api/v1/categories/${u.code}` }),
      })),
    );
  }
}
