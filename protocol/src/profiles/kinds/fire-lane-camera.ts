import { defineProfile } from '../define.js';
import { common, flag, measure, mediaRef, text, UNITS } from '../fields.js';

const zone = text('Analytics zone id configured on the camera', 64);

/** Camera analytics watching a fire lane (消防通道占用). */
export const fireLaneCamera = defineProfile({
  kind: 'fire_lane_camera',
  name: { zh: '消防通道占用监测', en: 'Fire-lane camera analytics' },
  heartbeat_s: 120,
  state: {
    occupied: flag('A vehicle or object stands in the lane now'),
    vehicles: measure(UNITS.count, 'Vehicles in the lane', { min: 0, integer: true }),
  },
  events: {
    occupied: {
      name: { zh: '通道占用', en: 'Lane occupied' },
      fields: {
        zone,
        plate: text('Licence plate if read', 16).optional(),
        confidence: common.confidence,
        snapshot_ref: mediaRef('Snapshot of the lane').optional(),
      },
    },
    cleared: {
      name: { zh: '占用解除', en: 'Lane clear again' },
      fields: { zone, duration_s: measure(UNITS.second, 'How long it was occupied', { min: 0, integer: true }) },
    },
  },
  commands: {},
  examples: {
    state: [{ occupied: false, vehicles: 0 }],
    events: {
      occupied: [
        {
          ts: '2026-11-25T20:01:00.000Z',
          zone: 'lane-north',
          plate: '苏H12345',
          confidence: 0.88,
          snapshot_ref: 'media/cam-lane-01/1.jpg',
        },
      ],
      cleared: [{ ts: '2026-11-25T20:40:00.000Z', zone: 'lane-north', duration_s: 2340 }],
    },
    commands: {},
  },
});
