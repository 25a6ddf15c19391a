import { defineProfile } from '../define.js';
import { choice, flag, mediaRef, text } from '../fields.js';

const rule = text('Analytics rule name configured on the camera', 64);
const snapshot_ref = mediaRef('Snapshot taken at the event').optional();

/** ONVIF camera: its analytics events, normalised by the gateway's ONVIF adapter. */
export const onvifCamera = defineProfile({
  kind: 'onvif_camera',
  name: { zh: '网络摄像机(ONVIF)', en: 'ONVIF camera' },
  heartbeat_s: 120,
  state: {
    motion: flag('Motion detected now'),
    tamper: flag('Scene change / tamper active now'),
    recording: flag('Recording'),
  },
  events: {
    motion: {
      name: { zh: '移动侦测', en: 'Motion' },
      fields: {
        is_motion: flag('Motion started (true) or stopped (false)'),
        source: text('Video source token', 64).optional(),
        snapshot_ref,
      },
    },
    tamper: {
      name: { zh: '视频遮挡/移位', en: 'Tamper (scene change)' },
      fields: {
        state: flag('Tamper started (true) or ended (false)'),
        source: text('Video source token', 64).optional(),
        snapshot_ref,
      },
    },
    line_crossing: {
      name: { zh: '越界侦测', en: 'Line crossing' },
      fields: { rule, direction: choice(['a_to_b', 'b_to_a', 'any'], 'Crossing direction').optional(), snapshot_ref },
    },
    field_detection: {
      name: { zh: '区域入侵侦测', en: 'Field detection' },
      fields: { rule, is_inside: flag('Object inside the field'), snapshot_ref },
    },
  },
  commands: {},
  examples: {
    state: [{ motion: false, tamper: false, recording: true }],
    events: {
      motion: [{ ts: '2026-11-25T14:52:18.646Z', is_motion: true, source: 'VideoSource_1' }],
      tamper: [{ ts: '2026-11-25T14:52:18.646Z', state: true }],
      line_crossing: [
        {
          ts: '2026-11-25T14:52:18.646Z',
          rule: 'gate-line',
          direction: 'a_to_b',
          snapshot_ref: 'media/cam-gate-01/2.jpg',
        },
      ],
      field_detection: [{ ts: '2026-11-25T14:52:18.646Z', rule: 'pool-area', is_inside: true }],
    },
    commands: {},
  },
});
