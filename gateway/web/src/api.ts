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

export interface Session {
  username: string;
  role: 'installer' | 'observer';
}

export interface Overview {
  now: string;
  version: string;
  gatewayId: string;
  startedAt: string;
  modules: string[];
  clients: number;
  messagesPerSecond: number;
  messagesTotal: number;
  deadLetters: number;
  devices: { online: number; offline: number; unknown: number };
  alerts: Array<{
    alert_id: string;
    rule_id: string;
    device_id: string;
    severity: string;
    severityName: { zh: string; en: string };
    since: string;
    message: { zh: string; en: string };
  }>;
  uplink:
    | { enabled: false }
    | {
        enabled: true;
        link: string;
        depth: Record<string, number>;
        oldest: Record<string, number | null>;
        lastError: string | null;
      };
  cameras: Array<{ id: string; online: boolean; authenticated: boolean; subscribed: boolean; error?: string }>;
  influx: { enabled: false } | { enabled: true; connected: boolean; queued: number; lastError: string | null };
  disk: { freeBytes: number; totalBytes: number } | null;
}

export interface Device {
  id: string;
  kind: string;
  kindName: { zh: string; en: string };
  status: 'active' | 'retired';
  place?: { community?: string; grid?: string; building?: string; unit?: string; floor?: number; room?: string };
  tags: string[];
  availability: 'online' | 'offline' | 'unknown' | 'retired';
  lastSeen?: string;
  lastMessage?: { type: string; at: string; summary: string };
  battery?: number;
  rssi?: number;
}
