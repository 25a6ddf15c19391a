import { DEVICE_KINDS, DeviceId, DeviceKind, DeviceTag } from '@gridlink/protocol';
import type { GatewayDevice } from '../gateway/device-directory.js';

/** Which devices a `gridlink-device-in` node takes: every criterion given must hold. */
export interface DeviceSelection {
  kind?: string;
  device?: string;
  building?: string;
  unit?: string;
  floor?: number;
  tag?: string;
}

/** The selection from the node's properties (empty text means "any"), or the field that is wrong. */
export function deviceSelection(props: {
  kind?: string;
  device?: string;
  building?: string;
  unit?: string;
  floor?: string | number;
  tag?: string;
}): { ok: true; selection: DeviceSelection } | { ok: false; reason: string } {
  const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const selection: DeviceSelection = {};
  for (const key of ['kind', 'device', 'building', 'unit', 'tag'] as const) {
    const value = text(props[key]);
    if (value !== undefined) selection[key] = value;
  }
  if (selection.kind !== undefined && !DeviceKind.safeParse(selection.kind).success) {
    return {
      ok: false,
      reason: `kind ${JSON.stringify(selection.kind)} is unknown: one of ${DEVICE_KINDS.join(', ')}`,
    };
  }
  if (selection.device !== undefined && !DeviceId.safeParse(selection.device).success) {
    return { ok: false, reason: `device ${JSON.stringify(selection.device)} is not a device id (a-z, 0-9, "-")` };
  }
  if (selection.tag !== undefined && !DeviceTag.safeParse(selection.tag).success) {
    return { ok: false, reason: `tag ${JSON.stringify(selection.tag)}: a tag is 1-32 of a-z, 0-9 and "_"` };
  }
  const floor = typeof props.floor === 'number' ? String(props.floor) : text(props.floor);
  if (floor !== undefined) {
    if (!/^-?\d+$/.test(floor)) return { ok: false, reason: `floor ${JSON.stringify(floor)} is not a whole number` };
    selection.floor = Number(floor);
  }
  return { ok: true, selection };
}

export function selects(selection: DeviceSelection, device: GatewayDevice): boolean {
  if (selection.kind !== undefined && device.kind !== selection.kind) return false;
  if (selection.device !== undefined && device.id !== selection.device) return false;
  if (selection.building !== undefined && device.place?.building !== selection.building) return false;
  if (selection.unit !== undefined && device.place?.unit !== selection.unit) return false;
  if (selection.floor !== undefined && device.place?.floor !== selection.floor) return false;
  if (selection.tag !== undefined && !device.tags.includes(selection.tag)) return false;
  return true;
}
