import { defineProfile } from '../define.js';
import { choice, common, flag, mediaRef, text } from '../fields.js';

/** Vehicle barrier gate with plate recognition at the community entrance. */
export const barrierGate = defineProfile({
  kind: 'barrier_gate',
  name: { zh: '车辆道闸', en: 'Vehicle barrier gate' },
  heartbeat_s: 300,
  state: {
    gate: choice(['open', 'closed', 'opening', 'closing'], 'Barrier arm position'),
    fault: flag('Controller reports a fault'),
  },
  events: {
    passage: {
      name: { zh: '车辆通行', en: 'Vehicle passage' },
      fields: {
        direction: choice(['in', 'out'], 'Entering or leaving'),
        result: choice(['granted', 'denied'], 'Whether the gate opened'),
        plate: text('Licence plate', 16).optional(),
        plate_color: choice(['blue', 'yellow', 'green', 'white', 'black', 'unknown'], 'Plate colour').optional(),
        confidence: common.confidence.optional(),
        snapshot_ref: mediaRef('Plate snapshot').optional(),
      },
    },
    forced_open: { urgent: true, name: { zh: '道闸被强行抬起', en: 'Arm forced open' }, fields: {} },
    fault: { name: { zh: '道闸故障', en: 'Gate fault' }, fields: { code: text('Controller fault code', 32) } },
  },
  commands: {
    gate: {
      name: { zh: '道闸控制', en: 'Gate control' },
      fields: { gate: choice(['open', 'close'], 'Drive the arm') },
    },
  },
  examples: {
    state: [{ gate: 'closed', fault: false }],
    events: {
      passage: [
        {
          ts: '2026-11-25T08:01:00.000Z',
          direction: 'in',
          result: 'granted',
          plate: '苏H88888',
          plate_color: 'blue',
          confidence: 0.99,
        },
      ],
      forced_open: [{ ts: '2026-11-25T08:01:00.000Z' }],
      fault: [{ ts: '2026-11-25T08:01:00.000Z', code: 'MOTOR' }],
    },
    commands: { gate: [{ gate: 'open' }] },
  },
});
