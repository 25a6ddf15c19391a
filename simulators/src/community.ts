import { DEVICE_KINDS, type DeviceKind } from '@gridlink/protocol';

export interface SimulatedDevice {
  id: string;
  kind: DeviceKind;
}

const PREFIX: Record<DeviceKind, string> = {
  smoke_detector: 'smoke',
  gas_detector: 'gas',
  water_leak: 'leak',
  water_meter: 'wm',
  temp_humidity: 'th',
  manhole_cover: 'mh',
  hydrant_pressure: 'hp',
  door_contact: 'dc',
  emergency_button: 'sos',
  elevator: 'elv',
  fire_lane_camera: 'cam-lane',
  high_altitude_camera: 'cam-ha',
  perimeter_intrusion: 'pir',
  barrier_gate: 'gate',
  access_control: 'ac',
  onvif_camera: 'cam',
  gateway: 'gw',
};

/**
 * A small demonstration community: `perKind` devices of every kind a gateway serves (the gateway
 * itself is not a simulated client). The full community generator builds on the same ids.
 */
export function demoCommunity(perKind = 2): SimulatedDevice[] {
  const devices: SimulatedDevice[] = [];
  for (const kind of DEVICE_KINDS) {
    if (kind === 'gateway') continue;
    for (let n = 1; n <= perKind; n++) devices.push({ id: `${PREFIX[kind]}-${String(n).padStart(2, '0')}`, kind });
  }
  return devices;
}
