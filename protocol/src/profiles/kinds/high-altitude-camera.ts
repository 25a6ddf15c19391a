import { defineProfile } from '../define.js';
import { common, flag, measure, mediaRef, text, UNITS } from '../fields.js';

/** Upward-looking camera analytics for objects thrown from height (高空抛物). */
export const highAltitudeCamera = defineProfile({
  kind: 'high_altitude_camera',
  name: { zh: '高空抛物监测', en: 'High-altitude throwing camera' },
  heartbeat_s: 120,
  state: { analytics_enabled: flag('Detection is running') },
  events: {
    throwing_detected: {
      name: { zh: '高空抛物', en: 'Object thrown from height' },
      urgent: true,
      fields: {
        building: text('Building facing the camera', 32).optional(),
        floor_estimate: measure(UNITS.floor, 'Estimated floor of origin', {
          min: 1,
          max: 200,
          integer: true,
        }).optional(),
        confidence: common.confidence,
        clip_ref: mediaRef('Video clip around the event'),
        snapshot_ref: mediaRef('Trajectory snapshot').optional(),
      },
    },
  },
  commands: {},
  examples: {
    state: [{ analytics_enabled: true }],
    events: {
      throwing_detected: [
        {
          ts: '2026-11-25T16:45:30.250Z',
          building: '3',
          floor_estimate: 12,
          confidence: 0.81,
          clip_ref: 'media/cam-ha-03/clip-1.mp4',
        },
      ],
    },
    commands: {},
  },
});
