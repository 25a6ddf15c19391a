import type { Scenario } from './scenario.js';

const COVER = 'mh-03';

export const manholeCoverRemoved: Scenario = {
  name: 'manhole-cover-removed',
  title: { zh: '井盖被移开', en: 'Manhole cover removed' },
  story:
    'At 02:10 someone levers up the cover of manhole mh-03 on the estate road: it tilts to 38° and reports itself open. Both the open-cover alert and, 3 s on, the tilt alert are raised; the cloud keeps one urgent incident for the cover.',
  devices: [COVER, 'mh-04'],
  startsAt: '2026-11-24T18:10:00.000Z',
  durationS: 5,
  expects: {
    alerts: [
      { rule: 'builtin.manhole.opened', device: COVER },
      { rule: 'builtin.manhole.tilt', device: COVER },
    ],
    incidents: [{ category: 'urban_management.manhole_cover', device: COVER, urgent: true, alerts: 2 }],
  },
  async run({ device, wait, say }) {
    const cover = device(COVER);
    say(`${COVER}: lifted and tilted 38.5°`);
    await cover.set({ tilt: 38.5, open: true });
    await cover.emit('tilted', { tilt: 38.5 });
    await cover.emit('opened');
    await wait(5_000);
    await cover.report();
  },
};
