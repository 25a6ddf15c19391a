import { assertBaseTopic, DEFAULT_BASE_TOPIC, SERVICE_CLIENT_ID_PREFIX } from '@gridlink/protocol';
import { DEFAULT_BACKOFF } from '../kit/backoff.js';
import { reasonOf } from '../kit/errors.js';
import type { GatewayConnectionOptions } from './connection.js';

/** The properties of a `gridlink-gateway` config node as the editor saves them in the flow. */
export interface GatewaySettingsInput {
  id: string;
  host?: string;
  port?: string | number;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  baseTopic?: string;
  /** Seconds before the first retry, doubling up to `reconnectMax`. */
  reconnectMin?: string | number;
  reconnectMax?: string | number;
}

/** Kept as Node-RED credentials: never in the flow JSON. */
export interface GatewayCredentials {
  username?: string;
  password?: string;
  tlsKey?: string;
}

const number = (value: string | number | undefined, fallback: number) =>
  value === undefined || value === '' ? fallback : Number(value);

/**
 * Turns what the editor saved into connection options, or the first problem, naming the field
 * and the fix. The client id starts with `svc-<username>` because the gateway keeps that prefix
 * for the service account's own sessions.
 */
export function gatewaySettings(
  input: GatewaySettingsInput,
  credentials: GatewayCredentials,
): { ok: true; options: GatewayConnectionOptions } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  const host = input.host?.trim() ?? '';
  if (host === '') return fail('host is empty: enter the gateway address, e.g. 192.168.1.10');
  const port = number(input.port, input.tls ? 8883 : 1883);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`port ${input.port} is not a port (1-65535)`);
  const baseTopic = input.baseTopic?.trim() || DEFAULT_BASE_TOPIC;
  try {
    assertBaseTopic(baseTopic);
  } catch (err) {
    return fail(reasonOf(err));
  }
  const username = credentials.username?.trim() ?? '';
  if (username === '') return fail('username is empty: enter the gateway service account');
  const certificateLogin = Boolean(input.tls && input.tlsCert?.trim() && credentials.tlsKey?.trim());
  if (!credentials.password && !certificateLogin) {
    return fail(`password is empty: enter the password of ${username}, or sign in with a TLS client certificate`);
  }
  const minMs = number(input.reconnectMin, DEFAULT_BACKOFF.minMs / 1000) * 1000;
  const maxMs = number(input.reconnectMax, DEFAULT_BACKOFF.maxMs / 1000) * 1000;
  if (!(minMs > 0) || !(maxMs >= minMs)) {
    return fail('reconnect delays: the first retry must be above 0 s and no longer than the longest');
  }
  const suffix = input.id.toLowerCase().replace(/[^a-z0-9]/g, '') || 'node';
  const tls = input.tls
    ? {
        ...(input.tlsCa?.trim() ? { ca: input.tlsCa } : {}),
        ...(input.tlsCert?.trim() ? { cert: input.tlsCert } : {}),
        ...(credentials.tlsKey?.trim() ? { key: credentials.tlsKey } : {}),
      }
    : undefined;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    return fail('TLS client certificate: give both the certificate and its key, or neither');
  }
  return {
    ok: true,
    options: {
      host,
      port,
      tls,
      baseTopic,
      username,
      ...(credentials.password ? { password: credentials.password } : {}),
      clientId: `${SERVICE_CLIENT_ID_PREFIX}${username}-nodered-${suffix}`,
      backoff: { minMs, maxMs },
    },
  };
}
