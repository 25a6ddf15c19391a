import type { Scenario } from './scenario.js';

const SMOKE = 'smoke-b1-u2-0301';
const BUTTON = 'sos-b1-u1-0202';
const MINUTE = 60_000;

export const cloudOutage: Scenario = {
  name: 'cloud-outage',
  title: { zh: '云平台中断10分钟', en: 'Cloud outage for 10 minutes' },
  story:
    'The link to the cloud is down for 10 min. Meanwhile a smoke detector in building 1 unit 2 alarms and an elderly resident presses her emergency button. The gateway raises both alerts locally and holds them in its outbox; when the link returns they reach the cloud once each: two urgent incidents, no duplicates.',
  devices: [SMOKE, BUTTON, 'wm-b1-u1-0202', 'smoke-b1-u2-0302'],
  startsAt: '2026-11-25T06:00:00.000Z',
  durationS: 10 * 60,
  needs: ['cloud_link'],
  expects: {
    alerts: [
      { rule: 'builtin.smoke.alarm', device: SMOKE },
      { rule: 'builtin.emergency_button.pressed', device: BUTTON },
    ],
    incidents: [
      { category: 'emergency.fire', device: SMOKE, urgent: true, alerts: 1 },
      { category: 'special_population.emergency_call', device: BUTTON, urgent: true, alerts: 1 },
    ],
  },
  async run({ device, wait, say, cloudLink }) {
    if (!cloudLink) throw new Error('cloud-outage needs control of the cloud link');
    say('the cloud link goes down');
    await cloudLink.down();
    await wait(MINUTE);
    say(`${SMOKE}: smoke alarm during the outage`);
    await device(SMOKE).set({ smoke: true, smoke_density: 0.28 });
    await device(SMOKE).emit('alarm', { smoke_density: 0.28 });
    await wait(3 * MINUTE);
    say(`${BUTTON}: emergency button pressed during the outage`);
    await device(BUTTON).emit('pressed', { press: 'long' });
    await wait(6 * MINUTE);
    say('the cloud link is back');
    await cloudLink.up();
  },
};
