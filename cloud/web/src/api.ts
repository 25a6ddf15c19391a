/** The cloud's `/api/v1` as the pages use it: the session's bearer token, JSON in, problems out. */
import type {
  Incident as CloudIncident,
  User as CloudUser,
  IncidentArrival,
  IncidentEvidence,
  IncidentPlace,
  IncidentStep,
  PlacePosition,
  RoleAssignment,
} from '@gridlink/cloud';

import { lang } from './i18n.js';

/** A signed-in user as `POST /sessions` returns them: the cloud's own type. */
export type User = CloudUser;
export type Assignment = RoleAssignment;

/**
 * A server type as it arrives over JSON: dates are ISO strings. The incident records are the
 * cloud's own types (`@gridlink/cloud`, erased at build time), so a field the server renames
 * breaks the pages' typecheck instead of a page.
 */
export type Json<T> = T extends Date
  ? string
  : T extends Array<infer Item>
    ? Json<Item>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type Place = Json<IncidentPlace>;
export type Incident = Json<CloudIncident>;
export type Step = Json<IncidentStep>;
export type Evidence = Json<IncidentEvidence>;

/** A file uploaded for an incident; `url` works in `<img src>` for a few minutes. */
export interface StoredAttachment {
  id: string;
  uri: string;
  media_type: string;
  name: string;
  tag: string | null;
  size_bytes: number;
  uploaded_at: string;
  url: string;
}

export interface IncidentDetail {
  incident: Incident;
  steps: Step[];
  /** Names of what the incident mentions by code or id: its community and grid, assignee, step actors. */
  names: Record<string, string>;
  evidence: Evidence[];
  deadline: string | null;
  /** The open step's light from its breach history; null once the loop is closed. */
  light: string | null;
  overdue_since: string | null;
  due_by: string | null;
  outcome: 'on_time' | 'late' | null;
  /** From the dispatch to the assignee's arrival on site (到场时效); null before a dispatch. */
  arrival?: Json<IncidentArrival> | null;
  /** Where the incident is (WGS-84): its own point, else its building's; null when unknown. */
  place_position?: (Json<PlacePosition['position']> & { source: PlacePosition['source'] }) | null;
}

export interface AllowedAction {
  action: string;
  to: string;
  role: string;
  effects: string[];
  attachment_tags: string[];
  /** The step needs a comment: the reason (recall, re-dispatch). */
  comment_required?: boolean;
  /** The step needs a comment or at least one attachment (findings on site). */
  requires_note?: boolean;
}

export interface Category {
  code: string;
  parent: string | null;
  level: number;
  name: { zh: string; en: string };
  default_severity: string;
}

/** An RFC 9457 problem the API answered with; `detail` is the text to show. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: Array<{ detail: string; pointer?: string; parameter?: string }> = [],
    readonly retryAfter?: number,
  ) {
    super(detail);
  }

  /**
   * The detail and what it says of each field, as one line in the page's language. A field's JSON
   * pointer is for programs: the form says which field beside it.
   */
  get text(): string {
    return [this.detail, ...this.errors.map((e) => e.detail)].join(lang() === 'zh' ? '；' : '; ');
  }
}

const SESSION_KEY = 'gridlink.session';

export interface Session {
  token: string;
  user: User;
}

/**
 * The session lives in this browser's localStorage until sign-out (or until the server ends it:
 * idle and absolute limits): a grid worker's installed app reopened in a basement, with no network
 * to sign in with, still opens on their work. The API takes bearer tokens (not cookies), so no
 * other site can make the browser act with it; the pages run no inline script (CSP).
 */
export function session(): Session | undefined {
  const text = localStorage.getItem(SESSION_KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Session;
  } catch {
    return undefined;
  }
}

export function saveSession(value: Session | undefined): void {
  if (value) localStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else localStorage.removeItem(SESSION_KEY);
}

let onUnauthenticated: () => void = () => {};
/** What to do when the API says the session ended (back to the login page). */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/** The session ended (a 401 from the API or the live stream): forget it and sign in again. */
export function sessionEnded(): void {
  saveSession(undefined);
  onUnauthenticated();
}

/** The session's token, and the language the page shows: the cloud writes its text (problems, its own comments) in it. */
function authorization(): Record<string, string> {
  const token = session()?.token;
  const language = { 'accept-language': lang() === 'en' ? 'en' : 'zh-CN' };
  return token ? { authorization: `Bearer ${token}`, ...language } : language;
}

async function problemOf(response: Response): Promise<Problem> {
  const retry = Number(response.headers.get('retry-after'));
  try {
    const body = (await response.json()) as { code?: string; detail?: string; errors?: Problem['errors'] };
    return new Problem(
      response.status,
      body.code ?? 'GL_HTTP',
      body.detail ?? response.statusText,
      body.errors ?? [],
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  } catch {
    return new Problem(response.status, 'GL_HTTP', `HTTP ${response.status} ${response.statusText}`);
  }
}

/** One call; throws {@link Problem} on any answer but 2xx. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authorization() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const problem = await problemOf(response);
    if (problem.status === 401 && path !== '/sessions') sessionEnded();
    throw problem;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * Uploads a photo or document for an incident's next step: the file itself is the body, its type the
 * browser's (the API checks the content anyway).
 */
export async function upload(incidentId: string, file: File, tag?: string): Promise<StoredAttachment> {
  return sendFile<StoredAttachment>('POST', uploadPath(incidentId, file.name, tag), file, file.type);
}

/** Where an incident's file goes, named and tagged in the query. */
export function uploadPath(incidentId: string, name: string, tag?: string): string {
  const query = new URLSearchParams({ name: name.slice(0, 256) || 'attachment' });
  if (tag) query.set('tag', tag);
  return `/incidents/${encodeURIComponent(incidentId)}/attachments?${query}`;
}

/** One call with a file as the body; throws {@link Problem} on any answer but 2xx. */
export async function sendFile<T>(method: string, path: string, file: Blob, contentType: string): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      'content-type': contentType || 'application/octet-stream',
      ...authorization(),
    },
    body: file,
  });
  if (!response.ok) {
    const problem = await problemOf(response);
    if (problem.status === 401) sessionEnded();
    throw problem;
  }
  return (await response.json()) as T;
}

/** Downloads a file the API makes (a KPI report) with the session, under its own file name. */
export async function download(path: string): Promise<void> {
  const response = await fetch(`/api/v1${path}`, { headers: authorization() });
  if (!response.ok) throw await problemOf(response);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'report';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The session's token for the live stream. */
export function bearer(): Record<string, string> {
  return authorization();
}
