import type { Scenario } from './scenario.js';

const DETECTOR = 'gas-b2-u1-0502';

export const gasLeak: Scenario = {
  name: 'gas-leak',
  title: { zh: '2号楼燃气泄漏', en: 'Gas leak in building 2' },
  story:
    'A hob left on without flame in flat 0502 of building 2 unit 1: the kitchen detector reads 6, then 14, then 27 %LEL and alarms. The gateway raises the gas alert at once and closes the detector’s shut-off valve; the cloud opens one urgent incident.',
  devices: [DETECTOR, 'smoke-b2-u1-0502', 'gas-b2-u1-0501'],
  setup: { [DETECTOR]: { state: { gas_lel: 0, valve: 'open', battery: 96 } } },
  startsAt: '2026-11-25T03:15:00.000Z',
  durationS: 125,
  expects: {
    alerts: [{ rule: 'builtin.gas.lel', device: DETECTOR }],
    incidents: [{ category: 'emergency.gas_leak', device: DETECTOR, urgent: true, alerts: 1 }],
    commands: [{ device: DETECTOR, command: { valve: 'close' } }],
  },
  async run({ device, wait, say }) {
    const detector = device(DETECTOR);
    for (const lel of [6, 14]) {
      say(`${DETECTOR}: ${lel} %LEL`);
      await detector.set({ gas_lel: lel });
      await wait(60_000);
    }
    say(`${DETECTOR}: 27 %LEL, alarm`);
    await detector.set({ gas_lel: 27 });
    await detector.emit('alarm', { gas_lel: 27, gas_type: 'natural_gas' });
    await wait(5_000);
  },
};
