import type { Scenario } from './scenario.js';

const FLAT = 'smoke-b3-u2-0401';
const CORRIDOR = 'smoke-b3-u2-f04';

export const fireBuilding3: Scenario = {
  name: 'fire-building-3',
  title: { zh: '3号楼2单元火情', en: 'Fire in building 3, unit 2' },
  story:
    'A kitchen fire in flat 0401 of building 3 unit 2 at 19:40: the flat’s smoke detector alarms, 20 s later the corridor detector of floor 4. Neighbouring detectors stay quiet. Two alarms in one unit confirm the fire; the cloud keeps one urgent incident for the place.',
  devices: [FLAT, CORRIDOR, 'smoke-b3-u2-0402', 'smoke-b3-u2-f05', 'smoke-b3-u1-0401'],
  startsAt: '2026-11-25T11:40:00.000Z',
  durationS: 20,
  expects: {
    alerts: [
      { rule: 'builtin.smoke.alarm', device: FLAT },
      { rule: 'builtin.smoke.alarm', device: CORRIDOR },
      { rule: 'builtin.smoke.two_detectors', device: CORRIDOR },
    ],
    incidents: [{ category: 'emergency.fire', device: FLAT, urgent: true, alerts: 3 }],
  },
  async run({ device, wait, say }) {
    say(`${FLAT}: smoke in the kitchen`);
    await device(FLAT).set({ smoke: true, smoke_density: 0.35, temperature: 46 });
    await device(FLAT).emit('alarm', { smoke_density: 0.35 });
    await wait(20_000);
    say(`${CORRIDOR}: smoke reaches the corridor`);
    await device(CORRIDOR).set({ smoke: true, smoke_density: 0.21, temperature: 29 });
    await device(CORRIDOR).emit('alarm', { smoke_density: 0.21 });
  },
};
