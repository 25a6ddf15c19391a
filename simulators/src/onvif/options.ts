import { z } from 'zod';
import type { OnvifQuirks } from './quirks.js';

export interface OnvifCameraOptions {
  /** Provisioning id, e.g. 'cam-gate-01'. */
  id: string;
  username: string;
  password: string;
  /** Bind address, default '127.0.0.1'. */
  host?: string;
  /** HTTP port; 0 (default) = a free port. */
  port?: number;
  /** Camera clock minus real clock. */
  clockOffsetMs?: number;
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** Default 'unicast' (answers Probes sent to its own UDP port). */
  discovery?: 'multicast' | 'unicast' | 'off';
  /** Supports WS-BaseNotification Subscribe → Notify (default true). */
  push?: boolean;
  quirks?: Partial<OnvifQuirks>;
  /** Injectable real clock (ms). */
  now?: () => number;
  /** UDP port answering unicast Probes; 0 (default) = a free port. */
  discoveryPort?: number;
  /** Extra receivers of Hello and Bye (e.g. a test listener), besides the multicast group in multicast mode. */
  announceTo?: Array<{ host: string; port: number }>;
  /** How far WS-Security `Created` may be from the camera clock (default 5 min). */
  authWindowMs?: number;
  /** Port written into the RTSP stream URIs (default 554). */
  rtspPort?: number;
  /** Subscription slots (pull points and push together); a create beyond them faults (SubscribeCreationFailedFault). */
  maxSubscriptions?: number;
  /** Refuses every push callback address with this fault Reason text (firmware checking the address it is given). */
  refusePushCallback?: string;
  /** The data item cell motion carries its value in: `IsMotion` (ONVIF core) or `State` (some firmware). */
  cellMotionItem?: 'IsMotion' | 'State';
}

const port = z.number().int().min(0).max(65_535);
const nonEmpty = (field: string) => z.string().min(1, `${field} must not be empty`).max(128);

export const onvifCameraOptionsSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'id must match ^[a-z0-9][a-z0-9-]{0,62}$ (e.g. cam-gate-01)'),
  // No default credentials: every camera is given its own.
  username: nonEmpty('username').regex(/^[^:]*$/, 'username must not contain ":"'),
  password: nonEmpty('password'),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(0),
  clockOffsetMs: z.number().finite().default(0),
  manufacturer: nonEmpty('manufacturer').default('Gridlink'),
  model: nonEmpty('model').default('GL-IPC-2M'),
  serialNumber: nonEmpty('serialNumber').optional(),
  firmwareVersion: nonEmpty('firmwareVersion').default('V1.0.0 build 260101'),
  discovery: z.enum(['multicast', 'unicast', 'off']).default('unicast'),
  push: z.boolean().default(true),
  quirks: z
    .object({
      singleSubscription: z.boolean(),
      renewRejected: z.boolean(),
      durationsMisread: z.boolean(),
      nonStandardTime: z.boolean(),
      loseSubscriptionsOnReboot: z.boolean(),
    })
    .partial()
    .strict()
    .default({}),
  now: z.custom<() => number>((value) => typeof value === 'function', 'now must be a function returning ms').optional(),
  discoveryPort: port.default(0),
  announceTo: z.array(z.object({ host: z.string().min(1), port: port.min(1) })).default([]),
  authWindowMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  rtspPort: port.min(1).default(554),
  maxSubscriptions: z.number().int().min(1).optional(),
  refusePushCallback: z.string().min(1).max(256).optional(),
  cellMotionItem: z.enum(['IsMotion', 'State']).default('IsMotion'),
});

export type ResolvedCameraOptions = z.output<typeof onvifCameraOptionsSchema>;

/** Validates options, naming each bad field and how to fix it. */
export function resolveCameraOptions(options: OnvifCameraOptions): ResolvedCameraOptions {
  const parsed = onvifCameraOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new Error(`invalid ONVIF camera options: ${problems.join('; ')}`);
  }
  return parsed.data;
}
