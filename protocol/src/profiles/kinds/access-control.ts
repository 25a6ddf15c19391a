import { defineProfile } from '../define.js';
import { choice, flag, measure, text, UNITS } from '../fields.js';

/**
 * Unit-entrance access-control terminal (门禁). Credentials are pseudonymous references, never
 * names or face data: recognition results never become grid incidents (docs/domain.md §7, privacy).
 */
export const accessControl = defineProfile({
  kind: 'access_control',
  name: { zh: '门禁终端', en: 'Access-control terminal' },
  heartbeat_s: 300,
  state: {
    door: choice(['open', 'closed'], 'Door position from the door sensor'),
    locked: flag('Lock engaged'),
  },
  events: {
    access: {
      name: { zh: '通行记录', en: 'Access attempt' },
      fields: {
        method: choice(['card', 'face', 'qr', 'password', 'remote'], 'Credential presented'),
        result: choice(['granted', 'denied'], 'Decision of the terminal'),
        reason: choice(
          ['unknown_credential', 'expired', 'blacklisted', 'schedule', 'anti_passback'],
          'Why denied',
        ).optional(),
        credential_ref: text('Pseudonymous credential reference (never a name or biometric)', 64).optional(),
      },
    },
    door_forced: { urgent: true, name: { zh: '门被强行打开', en: 'Door forced open' }, fields: {} },
    door_held_open: {
      name: { zh: '门长时间未关', en: 'Door held open' },
      fields: { duration_s: measure(UNITS.second, 'How long the door has been open', { min: 0, integer: true }) },
    },
  },
  commands: {
    door: {
      name: { zh: '开门/锁门', en: 'Release / lock' },
      fields: {
        door: choice(['release', 'lock'], 'release opens the lock (e.g. fire evacuation)'),
        duration_s: measure(UNITS.second, 'How long to keep released', { min: 1, max: 3600, integer: true }).optional(),
      },
    },
  },
  examples: {
    state: [{ door: 'closed', locked: true }],
    events: {
      access: [
        { ts: '2026-11-25T14:52:18.646Z', method: 'card', result: 'granted', credential_ref: 'c-7f3a9e' },
        { ts: '2026-11-25T14:52:18.646Z', method: 'face', result: 'denied', reason: 'unknown_credential' },
        { ts: '2026-11-25T14:52:18.646Z', method: 'qr', result: 'granted' },
      ],
      door_forced: [{ ts: '2026-11-25T02:00:00.000Z' }],
      door_held_open: [{ ts: '2026-11-25T02:00:00.000Z', duration_s: 240 }],
    },
    commands: { door: [{ door: 'release', duration_s: 30 }] },
  },
});
