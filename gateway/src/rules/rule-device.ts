import type { AlertClearReason } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';

/**
 * What the rules know of a device: enough to select it and to name it in an alert. Nothing more is
 * kept, so rule state (and its `rules.db` snapshots) never holds credentials or installer notes.
 */
export type RuleDevice = Pick<DeviceRecord, 'id' | 'kind' | 'place' | 'tags'>;

/** The rule view of a device record (or of a view already trimmed, e.g. one read from an old snapshot). */
export function ruleDevice(device: RuleDevice): RuleDevice {
  return {
    id: device.id,
    kind: device.kind,
    ...(device.place ? { place: structuredClone(device.place) } : {}),
    ...(device.tags ? { tags: [...device.tags] } : {}),
  };
}

/** The reasons a gateway clears an alert by itself (`acknowledged` comes from people, in the cloud). */
export type GatewayClearReason = Exclude<AlertClearReason, 'acknowledged'>;
