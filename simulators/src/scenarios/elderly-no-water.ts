import type { Scenario } from './scenario.js';

const SILENT = 'b2-u1-0401';
const NEIGHBOUR = 'b1-u1-0501';
const HOUR = 3600_000;

export const elderlyNoWater: Scenario = {
  name: 'elderly-no-water',
  title: { zh: '独居老人长时间未用水', en: 'Elderly resident: no water use' },
  story:
    'Two elderly residents living alone. From 18:00 the one in flat 0401 of building 2 unit 1 uses no water at all (a fall, an illness); the other, in 0501 of building 1, lives as usual. Their meters report every hour through the night. After 12 h without use the gateway raises the welfare alert for 0401 only; the cloud opens one incident for a welfare visit.',
  devices: [`wm-${SILENT}`, `dc-${SILENT}`, `wm-${NEIGHBOUR}`, `dc-${NEIGHBOUR}`],
  setup: { [`wm-${SILENT}`]: { litresPerDay: 0 }, [`wm-${NEIGHBOUR}`]: { litresPerDay: 90 } },
  startsAt: '2026-11-25T10:00:00.000Z',
  durationS: 13 * 3600,
  expects: {
    alerts: [{ rule: 'builtin.elderly.no_water', device: `wm-${SILENT}` }],
    incidents: [{ category: 'special_population.elderly_welfare', device: `wm-${SILENT}`, urgent: false, alerts: 1 }],
  },
  async run({ device, wait, say }) {
    for (let hour = 1; hour <= 13; hour++) {
      await wait(HOUR);
      for (const id of [`wm-${SILENT}`, `dc-${SILENT}`, `wm-${NEIGHBOUR}`, `dc-${NEIGHBOUR}`])
        await device(id).report();
      // The neighbour goes out for the morning market at 07:00 (hour 13).
      if (hour === 13) {
        await device(`dc-${NEIGHBOUR}`).emit('opened');
        await device(`dc-${NEIGHBOUR}`).emit('closed');
      }
      say(`${hour} h: meters read`);
    }
  },
};
