import { defineProfile } from '../define.js';
import { common, flag, mediaRef, text } from '../fields.js';

const zone = text('Fence zone id', 64);

/** Perimeter intrusion detection (fence vibration, beam or video analytics). */
export const perimeterIntrusion = defineProfile({
  kind: 'perimeter_intrusion',
  name: { zh: '周界入侵探测', en: 'Perimeter intrusion detector' },
  heartbeat_s: 300,
  state: { armed: flag('Zone is armed'), tamper: common.tamper },
  events: {
    intrusion: {
      name: { zh: '周界入侵', en: 'Intrusion' },
      urgent: true,
      fields: { zone, confidence: common.confidence.optional(), snapshot_ref: mediaRef('Snapshot').optional() },
    },
    cleared: { name: { zh: '入侵解除', en: 'Intrusion cleared' }, fields: { zone } },
    tamper: { name: { zh: '防拆报警', en: 'Tamper' }, fields: {} },
  },
  commands: {
    armed: { name: { zh: '布防/撤防', en: 'Arm / disarm' }, fields: { armed: flag('true arms the zone') } },
  },
  examples: {
    state: [{ armed: true, tamper: false }],
    events: {
      intrusion: [{ ts: '2026-11-25T01:13:44.000Z', zone: 'east-fence-2', confidence: 0.97 }],
      cleared: [{ ts: '2026-11-25T01:15:00.000Z', zone: 'east-fence-2' }],
      tamper: [{ ts: '2026-11-25T01:15:00.000Z' }],
    },
    commands: { armed: [{ armed: false }] },
  },
});
