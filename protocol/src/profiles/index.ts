import { z } from 'zod';
import { accessControl } from './kinds/access-control.js';
import { barrierGate } from './kinds/barrier-gate.js';
import { doorContact } from './kinds/door-contact.js';
import { elevator } from './kinds/elevator.js';
import { emergencyButton } from './kinds/emergency-button.js';
import { fireLaneCamera } from './kinds/fire-lane-camera.js';
import { gasDetector } from './kinds/gas-detector.js';
import { gateway } from './kinds/gateway.js';
import { highAltitudeCamera } from './kinds/high-altitude-camera.js';
import { hydrantPressure } from './kinds/hydrant-pressure.js';
import { manholeCover } from './kinds/manhole-cover.js';
import { onvifCamera } from './kinds/onvif-camera.js';
import { perimeterIntrusion } from './kinds/perimeter-intrusion.js';
import { smokeDetector } from './kinds/smoke-detector.js';
import { tempHumidity } from './kinds/temp-humidity.js';
import { waterLeak } from './kinds/water-leak.js';
import { waterMeter } from './kinds/water-meter.js';

export { type DeviceProfile, defineProfile, type Names } from './define.js';
export { UNITS, type Unit } from './fields.js';
export { MALFORMED_EXAMPLES, type MalformedExample } from './malformed-examples.js';

/** Every device kind Gridlink understands, keyed by kind. Profiles are data: add one file a kind. */
export const deviceProfiles = {
  smoke_detector: smokeDetector,
  gas_detector: gasDetector,
  water_leak: waterLeak,
  water_meter: waterMeter,
  temp_humidity: tempHumidity,
  manhole_cover: manholeCover,
  hydrant_pressure: hydrantPressure,
  door_contact: doorContact,
  emergency_button: emergencyButton,
  elevator,
  fire_lane_camera: fireLaneCamera,
  high_altitude_camera: highAltitudeCamera,
  perimeter_intrusion: perimeterIntrusion,
  barrier_gate: barrierGate,
  access_control: accessControl,
  onvif_camera: onvifCamera,
  gateway,
} as const;

export type DeviceProfiles = typeof deviceProfiles;
export type DeviceKind = keyof DeviceProfiles;
export const DEVICE_KINDS = Object.keys(deviceProfiles) as DeviceKind[];
export const DeviceKind = z.enum(DEVICE_KINDS as [DeviceKind, ...DeviceKind[]]);

/** Typed payloads per kind, derived from the one schema (never hand-copied). */
export type DeviceState<K extends DeviceKind> = z.infer<DeviceProfiles[K]['schemas']['state']>;
export type DeviceEventType<K extends DeviceKind> = keyof DeviceProfiles[K]['events'] & string;
export type DeviceEventPayload<K extends DeviceKind, T extends DeviceEventType<K>> = z.infer<
  DeviceProfiles[K]['schemas']['events'][T]
>;

export function profileOf(kind: DeviceKind) {
  return deviceProfiles[kind] as unknown as import('./define.js').DeviceProfile;
}
