import { defineProfile } from '../define.js';
import { choice, common, flag, measure, mediaRef, text, UNITS } from '../fields.js';

const floor = measure(UNITS.floor, 'Floor number (negative below ground)', { min: -10, max: 200, integer: true });

/** Elevator monitor: running status from the controller and e-bike detection from the car camera. */
export const elevator = defineProfile({
  kind: 'elevator',
  name: { zh: '电梯', en: 'Elevator' },
  heartbeat_s: 300,
  state: {
    running: flag('Car in service'),
    direction: choice(['up', 'down', 'stopped'], 'Travel direction'),
    floor,
    door: choice(['open', 'closed', 'held'], 'Car door'),
    occupied: flag('People in the car'),
    fault: flag('Controller reports a fault'),
  },
  events: {
    ebike_detected: {
      name: { zh: '电动车入梯', en: 'E-bike entered the car' },
      fields: { floor, confidence: common.confidence, snapshot_ref: mediaRef('Snapshot of the car').optional() },
    },
    trapped: { urgent: true, name: { zh: '困人', en: 'Passenger trapped' }, fields: { floor } },
    fault: {
      name: { zh: '电梯故障', en: 'Elevator fault' },
      fields: { code: text('Controller fault code', 32), detail: text('Fault text').optional() },
    },
  },
  commands: {
    door: {
      name: { zh: '梯门控制', en: 'Door control' },
      fields: {
        door: choice(['hold_open', 'normal'], 'hold_open keeps the car from leaving (e-bike blocking)'),
        duration_s: measure(UNITS.second, 'How long to hold', { min: 1, max: 600, integer: true }).optional(),
      },
    },
    voice: {
      name: { zh: '语音提示', en: 'Voice prompt' },
      fields: { voice: choice(['ebike_warning', 'trapped_comfort'], 'Prompt to play in the car') },
    },
  },
  examples: {
    state: [{ running: true, direction: 'up', floor: 7, door: 'closed', occupied: true, fault: false }],
    events: {
      ebike_detected: [
        {
          ts: '2026-11-25T19:20:11.400Z',
          floor: 1,
          confidence: 0.93,
          snapshot_ref: 'media/elv-b3-1/20261125T192011.jpg',
        },
      ],
      trapped: [{ ts: '2026-11-25T19:20:11.400Z', floor: 5 }],
      fault: [{ ts: '2026-11-25T19:20:11.400Z', code: 'E21', detail: 'door lock circuit' }],
    },
    commands: { door: [{ door: 'hold_open', duration_s: 60 }], voice: [{ voice: 'ebike_warning' }] },
  },
});
