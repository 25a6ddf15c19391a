import { z } from 'zod';

/**
 * Identifiers that appear in MQTT topics. They are stable provisioning ids; human names live in
 * metadata, never in topics, so a rename never breaks a subscription or an ACL.
 */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Topic levels the gateway itself owns under the base topic; no device may take these names. */
export const RESERVED_DEVICE_IDS = ['bridge', 'alert'] as const;

/**
 * MQTT client ids that start with this belong to service accounts: `svc-<username>` or
 * `svc-<username>-<anything>`. A device's client id is its device id, so no device id may start
 * with it: the two kinds of client can never take each other's session.
 */
export const SERVICE_CLIENT_ID_PREFIX = 'svc-';

/** Whether `clientId` is one the service account `username` may connect with. */
export function isServiceClientId(clientId: string, username: string): boolean {
  const own = `${SERVICE_CLIENT_ID_PREFIX}${username}`;
  return clientId === own || clientId.startsWith(`${own}-`);
}

export const DeviceId = z
  .string()
  .regex(ID_PATTERN, 'a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit')
  .refine((id) => !(RESERVED_DEVICE_IDS as readonly string[]).includes(id), {
    message: `"bridge" and "alert" are reserved topic levels, not device ids`,
  })
  .refine((id) => !id.startsWith(SERVICE_CLIENT_ID_PREFIX), {
    message: `"${SERVICE_CLIENT_ID_PREFIX}" starts the MQTT client ids of service accounts: choose a device id that does not start with it`,
  })
  .meta({ description: 'Stable provisioning id of a device, e.g. smoke-b3-u2-0401' });
export type DeviceId = z.infer<typeof DeviceId>;

export const GatewayId = z
  .string()
  .regex(ID_PATTERN, 'a gateway id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit')
  .meta({ description: 'Stable id of a community gateway, e.g. gw-320803-001' });
export type GatewayId = z.infer<typeof GatewayId>;

export const RuleId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    'a rule id is 1-63 of a-z, 0-9, "_", "." and "-", starting with a letter or digit',
  );
export type RuleId = z.infer<typeof RuleId>;

/** Event, command and state-field names: snake_case, as in every payload key. */
export const SnakeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a name is snake_case: a-z, 0-9 and "_", starting with a letter');

/** Ids minted once (alerts, uplink events, downlink messages): opaque, URL- and topic-safe. */
export const OpaqueId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'an id is 1-128 of A-Z, a-z, 0-9, "_", ".", ":" and "-"');

/** GB/T 2260-based territory codes (docs/domain.md §1): community 12 digits, grid 15 digits. */
export const CommunityCode = z.string().regex(/^\d{12}$/, 'a community code is 12 digits');
export const GridCode = z
  .string()
  .regex(/^\d{15}$/, 'a grid code is 15 digits: county 6 + town 3 + village 3 + sequence 3');
