import type { DeviceRecord, ServiceRole } from '../devices/directory.js';

/** Who an authenticated MQTT client is; ACL decisions depend on nothing else. */
export type Principal =
  | { type: 'device'; device: DeviceRecord }
  | { type: 'service'; username: string; role: ServiceRole };
