import type { ServiceRole } from '@gridlink/gateway';

/** Calls to `/api/console/`; the session is the HttpOnly cookie the browser sends by itself. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/console/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
  if (!response.ok) {
    const error = new ApiError(response.status, data.code ?? 'GL_ERROR', data.detail ?? response.statusText);
    if (response.status === 401 && path !== 'login') window.dispatchEvent(new CustomEvent('console-signed-out'));
    throw error;
  }
  return data as T;
}

/**
 * The wire types are the gateway's own (`@gridlink/gateway`, erased at build time), so a field the
 * server renames fails the page's type check instead of reading undefined.
 */
export type {
  AuditEntry,
  ConsoleCamera as Camera,
  ConsoleDevice as Device,
  ConsoleOverview as Overview,
  ScannedCamera,
  ServiceRole,
} from '@gridlink/gateway';

export interface Session {
  username: string;
  role: ServiceRole;
}

/** The rules and outbox pages' wire types. */
export type {
  ConsoleDryRun as DryRun,
  ConsoleOutbox as OutboxStatus,
  ConsoleRuleCheck as RuleCheck,
  ConsoleRuleFile as RuleFile,
  ConsoleRules as Rules,
  QuarantinedDetail,
  RuleTemplate,
} from '@gridlink/gateway';
